// A minimal static file server for the browser pages (loopback only), on
// the package's own file serving (js/bin/static-files.js).
import { createServer } from 'node:http';
import { fileIn, sendFile } from '../../js/bin/static-files.js';

/** Serves `dir` on 127.0.0.1 (any free port); resolves with { url, close }. */
export function serveDir(dir) {
  const server = createServer((req, res) => {
    const file = fileIn(dir, new URL(req.url, 'http://x').pathname);
    try {
      if (file) return sendFile(res, req.method, file);
    } catch {
      // unreadable: answered as missing
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
