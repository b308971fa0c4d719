# Sourced by scripts and the Makefile: the wasm32 toolchain route chosen by scripts/setup.sh.
# OSSUP_WASM_CARGO runs cargo for wasm32 builds; plain `cargo` stays the host toolchain
# (clippy, rustfmt, native tests).
export PATH="$HOME/.cargo/bin:$PATH"
_ossup_libdir=$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)
if [ -n "$_ossup_libdir" ] && compgen -G "$_ossup_libdir/libcore-*.rlib" >/dev/null; then
  export OSSUP_RUST_ROUTE=ordinary
  export OSSUP_WASM_PATH="$PATH"
else
  # Debian's rustc-web first: the rustup toolchain in ~/.cargo/bin has no wasm32 target here.
  export OSSUP_RUST_ROUTE=offline
  export OSSUP_WASM_PATH="/usr/bin:$PATH"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
fi
unset _ossup_libdir
# MVP wasm: what the sysroot is built for, safest on WeChat iOS, and what wasm2js accepts.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Ctarget-cpu=mvp"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
