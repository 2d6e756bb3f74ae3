// The packed package as tools see it: publint and arethetypeswrong report no
// problems, the typed usage file compiles under --strict, and the misuse file
// fails exactly on the lines marked `// misuse`. Run by npm test with SCRATCH
// set to the project where the tarball is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, copyFileSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = process.env.SCRATCH;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const installed = join(scratch ?? '', 'node_modules', 'instavm-wasm');

function exec(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: scratch, encoding: 'utf8', env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function tsc(file) {
  copyFileSync(join(root, 'tests', 'types', file), join(scratch, file));
  return exec(bin('tsc'), ['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom,dom.iterable,esnext.asynciterable', file]);
}

test('SCRATCH names a project with the package installed', () => {
  assert.ok(scratch, 'SCRATCH must be set');
  assert.ok(readdirSync(installed).includes('package.json'));
});

test('publint finds nothing to report', () => {
  const r = exec(bin('publint'), ['run', installed, '--pack', 'false', '--level', 'suggestion']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /All good/, r.out);
});

test('arethetypeswrong finds no problem in any resolution mode', () => {
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  // instavm-wasm/wasm is the wasm file itself, for a bundler's asset import: it has no types to find.
  const r = exec(bin('attw'), [join(scratch, tarball), '--format', 'ascii', '--exclude-entrypoints', './wasm']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /No problems found/, r.out);
});

test('the shipped types have no `any` on the public surface', () => {
  for (const f of ['index.d.ts', 'index.d.cts', 'proxy.d.ts']) {
    const text = readFileSync(join(installed, 'pkg', f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    assert.doesNotMatch(text, /\bany\b/, f);
  }
});

test('a file using the whole API compiles under tsc --strict', () => {
  const r = tsc('usage.ts');
  assert.equal(r.status, 0, r.out);
});

test('deliberate misuse fails to compile, on exactly the marked lines', () => {
  const source = readFileSync(join(root, 'tests', 'types', 'misuse.ts'), 'utf8').split('\n');
  const marked = source.flatMap((line, i) => (/\/\/ misuse$/.test(line.trimEnd()) ? [i + 1] : []));
  assert.ok(marked.length >= 3, 'the misuse file marks its misuses');
  const r = tsc('misuse.ts');
  assert.notEqual(r.status, 0, 'misuse must not compile');
  const errorLines = [...new Set([...r.out.matchAll(/misuse\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])))];
  assert.deepEqual(errorLines, marked, r.out);
});

test('an ESM app bundled to one CommonJS file (as serverless tools do) loads the wasm copied beside it', () => {
  // esbuild resolves `import` through the package's "import" condition, so
  // this bundles pkg/node.js; import.meta is empty in CommonJS output.
  const out = join(scratch, 'cjs-bundle');
  const app = join(scratch, 'cjs-bundle-app.mjs');
  writeFileSync(app, "import { InstaVM, ValidationError } from 'instavm-wasm';\ntry { new InstaVM({ apiKey: 'k', baseUrl: 'ftp://x' }); } catch (e) { console.log(e instanceof ValidationError ? 'refused' : `wrong: ${e}`); }\n");
  const built = exec(bin('esbuild'), [app, '--bundle', '--platform=node', '--format=cjs', '--log-level=error', `--outfile=${join(out, 'app.cjs')}`]);
  assert.equal(built.status, 0, built.out);
  copyFileSync(join(installed, 'pkg', 'instavm_wasm_bg.wasm'), join(out, 'instavm_wasm_bg.wasm'));
  const ran = exec(process.execPath, [join(out, 'app.cjs')]);
  assert.equal(ran.status, 0, ran.out);
  assert.equal(ran.out.trim(), 'refused');
});

test('in a Node without process.getBuiltinModule the wasm loads on the first call, and options are checked there', () => {
  const script = join(scratch, 'old-node.mjs');
  writeFileSync(script, "delete process.getBuiltinModule;\nconst { InstaVM, ValidationError } = await import('instavm-wasm');\nconst c = new InstaVM({ apiKey: 'k', baseUrl: 'ftp://x' });\ntry { await c.snapshots.list(); console.log('not refused'); } catch (e) { console.log(e instanceof ValidationError ? `refused: ${e.field}` : `wrong: ${e}`); }\n");
  const ran = exec(process.execPath, [script]);
  assert.equal(ran.status, 0, ran.out);
  assert.equal(ran.out.trim(), 'refused: baseUrl');
});

// The public surface is declared once, in index.d.ts / testing.d.ts, and
// nothing keeps the bundles in step with it but this test: an export or a
// method added on one side only would otherwise ship as a type that lies
// (`undefined` at run time) or an API nobody can see in an editor.

/**
 * What the shipped declaration file says exists at run time, read with the
 * TypeScript compiler (not a regex): the value exports (classes, functions,
 * consts; interfaces and type aliases exist only for the checker), the
 * method names of each class's prototype and constructor, and for each
 * instance property whose type has methods (`client.snapshots`), those;
 * and the members of each exported interface, for objects that only an
 * instance shows (`Emulator`). Only members declared in the file itself
 * count, not those inherited from `Error` in the standard library.
 */
function declaredSurface(file) {
  const ts = createRequire(import.meta.url)(join(root, 'node_modules', 'typescript'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, [], `${file} does not type-check`);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const ours = (symbol) =>
    (symbol.declarations ?? []).some(
      (d) => d.getSourceFile() === source && !(ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)),
    );
  const typeOf = (symbol) => checker.getTypeOfSymbolAtLocation(symbol, source);
  const isMethod = (symbol) => (symbol.flags & ts.SymbolFlags.Method) !== 0 || typeOf(symbol).getCallSignatures().length > 0;
  const methodsOf = (type) => checker.getPropertiesOfType(type).filter((p) => ours(p) && isMethod(p)).map((p) => p.name).sort();

  const exports = {};
  const classes = {};
  const interfaces = {};
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Interface) {
      interfaces[exported.name] = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((p) => p.name).sort();
    }
    if (!(symbol.flags & ts.SymbolFlags.Value)) continue;
    exports[exported.name] = true;
    if (!(symbol.flags & ts.SymbolFlags.Class)) continue;
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    const fields = checker.getPropertiesOfType(instance).filter((p) => ours(p) && !isMethod(p));
    classes[exported.name] = {
      prototype: methodsOf(instance),
      static: methodsOf(typeOf(symbol)),
      fields: fields.map((p) => p.name).sort(),
      resources: Object.fromEntries(fields.map((p) => [p.name, methodsOf(typeOf(p))]).filter(([, m]) => m.length > 0)),
    };
  }
  return { exports: Object.keys(exports).sort(), classes, interfaces };
}

/**
 * The same facts about the installed package at run time, from a child Node
 * in the scratch project, so the package resolves exactly as it does for a
 * user (`load` is `import(...)` or `require(...)`). Methods are the
 * function-valued properties along the prototype chain up to the built-ins;
 * `__`-prefixed ones are wasm-bindgen's glue (`__destroy_into_raw`, `__wrap`).
 */
function runtimeSurface(load, specifier, probe) {
  const script = `
    const builtins = new Set([Object.prototype, Function.prototype, Error.prototype, Error]);
    const methods = (start) => {
      const names = new Set();
      for (let o = start; o && !builtins.has(o); o = Object.getPrototypeOf(o)) {
        for (const k of Object.getOwnPropertyNames(o)) {
          if (k === 'constructor' || k.startsWith('__')) continue;
          if (typeof Object.getOwnPropertyDescriptor(o, k).value === 'function') names.add(k);
        }
      }
      return [...names].sort();
    };
    (async () => {
      const m = await ${load}(${JSON.stringify(specifier)});
      const classes = {};
      for (const [name, value] of Object.entries(m)) {
        if (typeof value === 'function') classes[name] = { prototype: methods(value.prototype), static: methods(value) };
      }
      const out = { exports: Object.keys(m).filter((k) => k !== '__esModule').sort(), classes };
      ${probe}
      console.log(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INSTAVM_')));
  const isModule = load === 'import';
  const r = exec(process.execPath, [...(isModule ? ['--input-type=module'] : []), '-e', script], env);
  assert.equal(r.status, 0, r.out);
  return JSON.parse(r.out.trim().split('\n').at(-1));
}

// What only an instance shows: the resources of a client (`snapshots`,
// `vms`) and the members of an emulator. Run in the child, after `out` is built.
const clientProbe = `
  const client = new m.InstaVM({ apiKey: 'instavm_sk_surface_check' });
  out.classes.InstaVM.fields = Object.keys(client).sort();
  out.classes.InstaVM.resources = Object.fromEntries(Object.keys(client).map((k) => [k, methods(Object.getPrototypeOf(client[k]))]));
`;
const proxyProbe = `
  const handler = m.createProxy({ apiKey: 'instavm_sk_surface_check', authorize: 'public' });
  out.handler = [typeof handler, handler.length];
`;
const emulatorProbe = `
  const emu = await m.createEmulator();
  out.emulator = Object.keys(emu).sort();
  emu.close();
`;

/** Names on one side only, both ways; `[]` when the sides agree. */
function differences(runtime, declared, what) {
  const undeclared = runtime.filter((n) => !declared.includes(n));
  const missing = declared.filter((n) => !runtime.includes(n));
  if (undeclared.length === 0 && missing.length === 0) return [];
  return [`${what}: at run time but not in the types: [${undeclared.join(', ')}]; in the types but not at run time: [${missing.join(', ')}]`];
}

/** Every mismatch between an entry and its types, reported together so one run shows them all. */
function compareSurfaces(runtime, declared, entry) {
  const found = differences(runtime.exports, declared.exports, `${entry} exports`);
  for (const [name, d] of Object.entries(declared.classes)) {
    const r = runtime.classes[name];
    if (!r) continue; // reported above as a missing export
    found.push(...differences(r.prototype, d.prototype, `${entry} ${name}.prototype methods`));
    found.push(...differences(r.static, d.static, `${entry} ${name} static methods`));
    if (r.fields) found.push(...differences(r.fields, d.fields, `${entry} ${name} instance properties`));
    for (const [field, methods] of Object.entries(r.resources ?? {})) {
      found.push(...differences(methods, d.resources[field] ?? [], `${entry} ${name}#${field} methods`));
    }
  }
  return found;
}

test('every runtime export is declared in index.d.ts and every declared export exists at runtime', async (t) => {
  const pkg = join(installed, 'pkg');
  const main = {
    esm: declaredSurface(join(pkg, 'index.d.ts')),
    cjs: declaredSurface(join(pkg, 'index.d.cts')),
  };
  // The probe needs these to be there; say so plainly if they are not.
  assert.ok(main.esm.classes.InstaVM && main.esm.classes.Image, 'index.d.ts declares the InstaVM and Image classes');
  assert.ok(Object.keys(main.esm.classes.InstaVM.resources).length >= 2, 'InstaVM declares its resources (snapshots, vms)');

  await t.test('Node ESM entry (import) against index.d.ts', () => {
    assert.deepEqual(compareSurfaces(runtimeSurface('import', 'instavm-wasm', clientProbe), main.esm, 'import instavm-wasm'), []);
  });
  await t.test('Node CommonJS entry (require) against index.d.cts', () => {
    assert.deepEqual(compareSurfaces(runtimeSurface('require', 'instavm-wasm', clientProbe), main.cjs, 'require instavm-wasm'), []);
  });

  for (const [load, types] of [['import', 'testing.d.ts'], ['require', 'testing.d.cts']]) {
    await t.test(`testing entry (${load}) against ${types}`, () => {
      const declared = declaredSurface(join(pkg, types));
      const runtime = runtimeSurface(load, 'instavm-wasm/testing', emulatorProbe);
      const found = compareSurfaces(runtime, declared, `${load} instavm-wasm/testing`);
      // The emulator is an interface (not a runtime export): its members
      // are compared on the object createEmulator() resolves with.
      assert.ok(declared.interfaces.Emulator, `${types} exports the Emulator interface`);
      found.push(...differences(runtime.emulator, declared.interfaces.Emulator, `${load} createEmulator() members`));
      assert.deepEqual(found, []);
    });
  }

  // instavm-wasm/proxy: functions only, and the handler createProxy makes.
  for (const [load, types] of [['import', 'proxy.d.ts'], ['require', 'proxy.d.cts']]) {
    await t.test(`proxy entry (${load}) against ${types}`, () => {
      const declared = declaredSurface(join(pkg, types));
      const runtime = runtimeSurface(load, 'instavm-wasm/proxy', proxyProbe);
      const found = compareSurfaces(runtime, declared, `${load} instavm-wasm/proxy`);
      assert.ok(declared.exports.includes('createProxy') && declared.interfaces.ProxyOptions, `${types} declares createProxy and ProxyOptions`);
      assert.deepEqual(runtime.handler, ['function', 1], 'createProxy returns a one-argument handler');
      assert.deepEqual(found, []);
    });
  }
});

/**
 * Every exported declaration of a types file, and every member of each
 * exported class and interface, that has no doc comment a hover would show.
 * Overloads count once: one commented signature is enough for the hover.
 */
function undocumented(file) {
  const ts = createRequire(import.meta.url)(join(root, 'node_modules', 'typescript'));
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const documented = (node) => ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment || d.tags?.length));
  const missing = new Set();
  const seen = new Map();
  const note = (name, node) => seen.set(name, (seen.get(name) ?? false) || documented(node));
  for (const statement of source.statements) {
    const name = statement.name?.text ?? statement.declarationList?.declarations?.[0]?.name?.text;
    const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!name || !exported) continue;
    note(name, statement);
    for (const member of statement.members ?? []) {
      if (member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
      const memberName = ts.isConstructorDeclaration(member) ? 'constructor' : member.name?.getText(source);
      if (memberName) note(`${name}.${memberName}`, member);
    }
  }
  for (const [name, ok] of seen) if (!ok) missing.add(name);
  return [...missing];
}

test('every exported type, class, function, method and option has a doc comment that a hover shows', () => {
  const pkg = join(installed, 'pkg');
  for (const types of ['index.d.ts', 'testing.d.ts', 'proxy.d.ts']) {
    const missing = undocumented(join(pkg, types));
    assert.deepEqual(missing, [], `${types}: no doc comment on ${missing.join(', ')}`);
  }
  // The check sees what it claims to: an undocumented member is reported.
  const probe = join(scratch, 'undocumented.d.ts');
  writeFileSync(probe, '/** A class. */\nexport declare class A {\n  /** Documented. */\n  a(): void;\n  b(): void;\n}\nexport interface B { c?: string }\n');
  assert.deepEqual(undocumented(probe).sort(), ['A.b', 'B', 'B.c']);
});

test("the client's resource methods and the proxy's operations are one table", async () => {
  // js/operations.js names every operation of the API as the client names its
  // methods; the proxy matches requests against it. The client's resources
  // must have exactly those methods (and the composite ones, such as ensure),
  // so a method added to one and not the other fails here.
  const { OPERATIONS, COMPOSITES } = await import(join(root, 'js', 'operations.js'));
  const named = [...Object.keys(OPERATIONS), ...Object.keys(COMPOSITES)].sort();
  const surface = runtimeSurface('import', 'instavm-wasm', clientProbe);
  const methods = Object.entries(surface.classes.InstaVM.resources).flatMap(([resource, ms]) => ms.map((m) => `${resource}.${m}`)).sort();
  assert.deepEqual(methods, named);
  assert.ok(named.length >= 20, `${named.length} operations`);
});


test("the package ships what its README and docs link (docs/, CHANGELOG.md, CONTRIBUTING.md), says where it lives, and exports the wasm as instavm-wasm/wasm for a bundler's asset import", async () => {
  const pages = ['README.md', ...readdirSync(join(installed, 'docs')).map((f) => `docs/${f}`)];
  assert.ok(pages.includes('docs/recipes.md') && pages.includes('docs/reference.md'), `shipped docs: ${pages}`);
  let count = 0;
  for (const page of pages) {
    const text = readFileSync(join(installed, page), 'utf8');
    for (const [, link] of text.matchAll(/\]\((?!https?:|#)([^)#]+)(#[^)]*)?\)/g)) {
      const target = join(installed, dirname(page), link);
      assert.ok(readdirSync(dirname(target)).includes(target.split('/').pop()), `${page} links ${link}, which is not in the tarball`);
      count++;
    }
  }
  assert.ok(count >= 5, `relative links checked: ${count}`);
  assert.ok(readdirSync(installed).includes('CHANGELOG.md'));
  // npm shows these, and resolves the README's relative links against the repository.
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const home = manifest.repository?.url?.match(/^git\+(https:\/\/github\.com\/[\w-]+\/[\w-]+)\.git$/)?.[1];
  assert.ok(home, `repository.url: ${manifest.repository?.url}`);
  assert.equal(manifest.homepage, `${home}#readme`);
  assert.equal(manifest.bugs?.url, `${home}/issues`);
  // Resolved as a bundler resolves it, through exports, from the project that installed the package.
  const wasm = createRequire(join(scratch, 'package.json')).resolve('instavm-wasm/wasm');
  assert.equal(wasm, join(installed, 'pkg', 'instavm_wasm_bg.wasm'));
  assert.deepEqual([...readFileSync(wasm).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a wasm module');
});

test("the README's Node line, createServer(toNodeListener(proxy)), compiles under tsc --strict with @types/node 20, 22, 24 and the latest, from CommonJS and ESM", (t) => {
  const server = `import { createServer } from 'node:http';
import { createProxy, toNodeListener } from 'instavm-wasm/proxy';
const proxy = createProxy({ apiKey: process.env.INSTAVM_API_KEY, authorize: 'public', allow: ['snapshots.list'] });
createServer(toNodeListener(proxy)).listen(8080);
`;
  for (const alias of ['types-node-20', 'types-node-22', 'types-node-24', 'types-node-latest']) {
    const types = join(root, 'node_modules', alias);
    const version = JSON.parse(readFileSync(join(types, 'package.json'), 'utf8')).version;
    // A project of its own, as a user's: @types/node of this version and the installed package.
    const dir = join(scratch, `types-${alias}`);
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    for (const [link, target] of [[join(dir, 'node_modules', '@types', 'node'), types], [join(dir, 'node_modules', 'instavm-wasm'), installed]]) {
      rmSync(link, { force: true, recursive: true });
      symlinkSync(target, link, 'dir');
    }
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    writeFileSync(join(dir, 'server.ts'), server);
    writeFileSync(join(dir, 'server.mts'), server);
    const r = spawnSync(bin('tsc'), ['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'server.ts', 'server.mts'], { cwd: dir, encoding: 'utf8' });
    t.diagnostic(`@types/node ${version}: exit ${r.status}`);
    assert.equal(r.status, 0, `@types/node ${version}:\n${r.stdout}${r.stderr}`);
  }
});
