//! The allocator, and what JS asks it: the system allocator that remembers the size of the
//! last request it could not serve, and whether a block of a given size can be had now.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::prelude::*;

/// The system allocator, remembering the size of the last request it could not serve: with
/// `panic = "abort"` an allocation failure traps, and the size is what the caller reads
/// afterwards (`lastAllocationFailure`) to say what happened.
struct Tracking;

static LAST_FAILURE: AtomicUsize = AtomicUsize::new(0);

fn note(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        LAST_FAILURE.store(size, Ordering::Relaxed);
    }
    p
}

// SAFETY: every call is forwarded unchanged to `System`; only null results are observed.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(unsafe { System.alloc(layout) }, layout.size())
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Whether one block of `bytes` can be allocated now (it is allocated and freed at once).
/// Callers ask before handing over a big array, because the glue's own copy of an argument
/// cannot fail gracefully.
#[wasm_bindgen(js_name = canAllocate)]
pub fn can_allocate(bytes: f64) -> bool {
    if !(bytes >= 0.0 && bytes < isize::MAX as f64) {
        return false;
    }
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(bytes as usize).is_ok()
}

/// Bytes of the last allocation that failed (0 if none has).
#[wasm_bindgen(js_name = lastAllocationFailure)]
pub fn last_allocation_failure() -> f64 {
    LAST_FAILURE.load(Ordering::Relaxed) as f64
}

/// Bytes of linear memory this instance holds (it grows, never shrinks; freed handles are
/// reused by the allocator).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}
