//! The module's exports. JS asks for the I/O area (`ossup_post_io`), writes a call's inputs at
//! its start, calls, and reads the result (a length ≥ 0, or a [`Failure`] code < 0).

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::{area_for, base64_in, crc64_in, sign_in, Failure};

const PAGE: usize = 64 * 1024;

/// Where the I/O area starts and its length. Nothing else grows linear memory (there is no
/// allocator: the code uses its stack and statics only, below the first page we grow), so
/// the area is always the memory from `BASE` to the end, and it grows in place.
static BASE: AtomicUsize = AtomicUsize::new(0);
static LEN: AtomicUsize = AtomicUsize::new(0);
/// Where the last call's result starts (an address).
static RESULT: AtomicUsize = AtomicUsize::new(0);

/// Makes the I/O area at least `len` bytes; false if memory cannot grow.
fn reserve(len: usize) -> bool {
    let have = LEN.load(Relaxed);
    if have >= len {
        return true;
    }
    let pages = (len - have).div_ceil(PAGE);
    let old = core::arch::wasm32::memory_grow(0, pages);
    if old == usize::MAX {
        return false;
    }
    if have == 0 {
        BASE.store(old * PAGE, Relaxed);
    }
    LEN.store(have + pages * PAGE, Relaxed);
    true
}

/// The I/O area as a slice.
#[allow(unsafe_code)]
fn area() -> &'static mut [u8] {
    let len = LEN.load(Relaxed);
    if len == 0 {
        return &mut [];
    }
    // SAFETY: `[BASE, BASE + LEN)` is linear memory that `reserve` grew and nothing in Rust
    // owns (see BASE); JS writes it only between calls, and each export makes one slice and
    // drops it before returning, so the slice is never aliased.
    unsafe { core::slice::from_raw_parts_mut(BASE.load(Relaxed) as *mut u8, len) }
}

fn answer(result: Result<(usize, usize), Failure>) -> i32 {
    match result {
        Ok((start, len)) => {
            RESULT.store(BASE.load(Relaxed) + start, Relaxed);
            i32::try_from(len).unwrap_or(Failure::OutOfMemory as i32)
        }
        Err(failure) => failure as i32,
    }
}

/// The I/O area's size for a call over `units` UTF-16 code units.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_area(units: usize) -> usize {
    area_for(units)
}

/// Where the last call's result starts.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_result() -> usize {
    RESULT.load(Relaxed)
}

/// Makes the I/O area at least `len` bytes and returns where it starts (0: out of memory).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_io(len: usize) -> usize {
    if reserve(len.max(1)) {
        BASE.load(Relaxed)
    } else {
        0
    }
}

/// `base64(policy) ‖ signature` for version 1 or 4 (see `sign_in`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_sign(
    version: u32,
    secret: usize,
    region: usize,
    date: usize,
    policy: usize,
) -> i32 {
    let units = [secret, region, date, policy];
    if !reserve(area_for(units.iter().sum())) {
        return Failure::OutOfMemory as i32;
    }
    answer(sign_in(area(), version, units))
}

/// Base64 of a string's UTF-8 (see `base64_in`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_base64(units: usize) -> i32 {
    if !reserve(area_for(units)) {
        return Failure::OutOfMemory as i32;
    }
    answer(base64_in(area(), units))
}

/// CRC-64 of `data_len` bytes continuing from a decimal `previous` (see `crc64_in`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn ossup_post_crc64(data_len: usize, previous_len: usize) -> i32 {
    // Room for the 20 digits of the result even when the data was shorter (the area does not
    // move when it grows, so what JS wrote stays where it is).
    if !reserve((data_len + previous_len).max(20)) {
        return Failure::OutOfMemory as i32;
    }
    answer(crc64_in(area(), data_len, previous_len))
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
