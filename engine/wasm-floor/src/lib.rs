//! The engine alone in wasm, for measuring the bundle's floor (BENCHMARKS.md, "Bundle size"):
//! loading a scenario and running it, with no UI, no bindings and no editors. `make
//! bundle-size` builds it with the browser build's profile and reports its gzipped size next to
//! the playground's.

use std::alloc::{alloc, Layout};

/// Room for `len` bytes of scenario JSON, for the host to write into.
///
/// # Safety
/// The host writes at most `len` bytes at the returned address and passes them to [`run`].
#[no_mangle]
pub unsafe extern "C" fn scenario_buffer(len: usize) -> *mut u8 {
    match Layout::from_size_align(len.max(1), 1) {
        Ok(layout) => alloc(layout),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Loads and runs the scenario at `ptr`; returns the number of events logged, or the length
/// of the error that names the field when the scenario is rejected (so error messages count).
///
/// # Safety
/// `ptr` and `len` must describe bytes written into a [`scenario_buffer`].
#[no_mangle]
pub unsafe extern "C" fn run(ptr: *const u8, len: usize) -> usize {
    let bytes = std::slice::from_raw_parts(ptr, len);
    let Ok(json) = std::str::from_utf8(bytes) else {
        return 0;
    };
    match ecs_engine::run_scenario(json) {
        Ok(sim) => sim.log().digest().len() + sim.log().len(),
        Err(e) => e.to_string().len(),
    }
}
