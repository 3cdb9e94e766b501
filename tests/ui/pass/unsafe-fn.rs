//! `unsafe fn`s, sync and async, whose bodies use unsafe blocks.

#[tripod::observe]
unsafe fn read(pointer: *const u32) -> u32 {
    unsafe { *pointer }
}

#[tripod::observe]
async unsafe fn read_async(pointer: *const u32) -> u32 {
    unsafe { *pointer }
}

fn main() {
    let value = 7_u32;
    assert_eq!(unsafe { read(&value) }, 7);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(unsafe { read_async(&value) }), 7);
}
