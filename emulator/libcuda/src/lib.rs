//! The CUDA driver API entry points that `host-runtime` calls, implemented
//! on the PTX emulator (to be written).
