// `Image`: the Rust class (src/api/image.rs) with what wasm-bindgen cannot
// say: variadic package names, and a clear error in a page that has not
// loaded the wasm yet (the class's methods run in the wasm, synchronously).
import { Image } from './instavm_wasm.js';
import { isLoaded } from './client.js';
import { InstaVMError } from './errors.js';

// Names and arrays alike: pipInstall('a', 'b'), pipInstall(['a', 'b']) and
// pipInstall(['a'], 'b') are the same call, as `create` takes either shape.
for (const method of ['aptInstall', 'pipInstall', 'npmInstall']) {
  const takesArray = Image.prototype[method];
  Image.prototype[method] = function (...names) {
    return takesArray.call(this, names.flat());
  };
}

const fromImage = Image.from;
Image.from = function (ociImage) {
  if (!isLoaded()) {
    throw new InstaVMError('instavm-wasm: Image needs the wasm loaded; in a page, `await init()` first (Node, Deno, Bun and Workers load it on import)', { code: 'wasm_not_loaded' });
  }
  return fromImage.call(this, ociImage);
};

export { Image };
