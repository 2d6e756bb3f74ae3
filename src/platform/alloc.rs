//! A small allocator for the wasm build, in place of the default dlmalloc
//! (about 8 KB of the binary). The client's allocations are short-lived
//! strings and small vectors, so segregated free lists by power-of-two size
//! class serve them well: no headers (Rust passes the size back on free),
//! no coalescing, memory reused within its class. Wasm memory never shrinks,
//! so nothing is returned to the host either way.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;

extern "C" {
    /// Where the linker ends static data and the stack.
    static __heap_base: u8;
}
/// Classes 2^4 (16 B) up to 2^31.
const MIN_CLASS: u32 = 4;
const CLASSES: usize = 28;

struct State {
    /// Heads of the free lists, one per class; a free block stores the next pointer.
    free: [*mut u8; CLASSES],
    /// Unused tail of the last chunk taken from `memory.grow`.
    bump: usize,
    end: usize,
}

pub struct SizeClassAlloc(UnsafeCell<State>);

// Wasm here is single-threaded: there is no concurrent access to the state.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    pub const fn new() -> Self {
        SizeClassAlloc(UnsafeCell::new(State { free: [null_mut(); CLASSES], bump: 0, end: 0 }))
    }
}

/// The class index of a layout, or `None` past the largest class.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let bits = usize::BITS - (size - 1).leading_zeros();
    let index = bits.checked_sub(MIN_CLASS)? as usize;
    (index < CLASSES).then_some(index)
}

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else { return null_mut() };
        let state = &mut *self.0.get();
        if state.end == 0 {
            // First use: the heap starts after the static data and the stack,
            // and the rest of the initial memory is the first chunk.
            state.bump = core::ptr::addr_of!(__heap_base) as usize;
            state.end = core::arch::wasm32::memory_size(0) * PAGE;
        }
        let Some(slot) = state.free.get_mut(class) else { return null_mut() };
        let head = *slot;
        if !head.is_null() {
            *slot = *(head as *mut *mut u8);
            return head;
        }
        let size = 1usize << (class as u32 + MIN_CLASS);
        // Blocks are aligned to their own size (up to a page), which covers
        // every alignment Rust asks of a layout this size.
        let align = size.min(PAGE);
        let start = (state.bump + align - 1) & !(align - 1);
        if start.checked_add(size).is_none_or(|e| e > state.end) {
            let pages = size.div_ceil(PAGE);
            let grown = core::arch::wasm32::memory_grow(0, pages);
            if grown == usize::MAX {
                return null_mut();
            }
            let chunk = grown * PAGE;
            // A new chunk continues the old one when memory was not grown by
            // anyone else in between; otherwise the old tail is abandoned.
            if chunk != state.end {
                state.bump = chunk;
            }
            state.end = chunk + pages * PAGE;
            return self.alloc(layout);
        }
        state.bump = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let state = &mut *self.0.get();
        if let Some(slot) = class_of(layout).and_then(|class| state.free.get_mut(class)) {
            *(ptr as *mut *mut u8) = *slot;
            *slot = ptr;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(layout) == class_of(new_layout) {
            return ptr; // the block already has room
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
