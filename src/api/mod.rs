//! The wasm-bindgen exports: a thin `Client` class that the hand-written JS
//! layer (`js/client.js`) wraps into the public `InstaVM` API, and `Image`
//! (`image`), which `js/image.js` wraps.

pub mod client;
pub mod image;
