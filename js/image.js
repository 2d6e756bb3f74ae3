// `Image`: the Rust class (src/api/image.rs) with what wasm-bindgen cannot
// say: a method per builder step over one export, variadic package names,
// and a clear error in a page that has not loaded the wasm yet (the class's
// methods run in the wasm, synchronously).
import { Image } from './instavm_wasm.js';
import { isLoaded } from './client.js';
import { InstaVMError } from './errors.js';

// The builder's steps, each a method over the class's one `step` export.
// Names and arrays alike: pipInstall('a', 'b'), pipInstall(['a', 'b']) and
// pipInstall(['a'], 'b') are the same call, as `create` takes either shape.
const step = Image.prototype.step;
const steps = {
  aptInstall(...names) {
    return step.call(this, 'aptInstall', names.flat());
  },
  pipInstall(...names) {
    return step.call(this, 'pipInstall', names.flat());
  },
  npmInstall(...names) {
    return step.call(this, 'npmInstall', names.flat());
  },
  gitClone(url, options) {
    return step.call(this, 'gitClone', url, options);
  },
  env(vars) {
    return step.call(this, 'env', vars);
  },
  run(cmd) {
    return step.call(this, 'run', cmd);
  },
  disk(gb) {
    return step.call(this, 'disk', gb);
  },
};
for (const [name, method] of Object.entries(steps)) {
  Object.defineProperty(Image.prototype, name, { value: method, writable: true, configurable: true });
}
delete Image.prototype.step;

const fromImage = Image.from;
Image.from = function (ociImage) {
  if (!isLoaded()) {
    throw new InstaVMError('instavm-wasm: Image needs the wasm loaded; in a page, `await init()` first (Node, Deno, Bun and Workers load it on import)', { code: 'wasm_not_loaded' });
  }
  return fromImage.call(this, ociImage);
};

export { Image };
