// The Next.js app of the ecosystem suite, as create-next-app lays one out
// (App Router): a client page, a Route Handler serving instavm-wasm/proxy,
// and a Route Handler using the client on the server. No next.config.js:
// the package needs no setting.
export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
