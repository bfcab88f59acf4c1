//! Bit-counting and bit-permuting methods map to single PTX instructions:
//! leading_zeros → clz, count_ones → popc, reverse_bits → brev,
//! swap_bytes → prmt (32 bit).
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry bits_u32(
// CHECK-DAG: clz.b32
// CHECK-DAG: popc.b32
// CHECK-DAG: brev.b32
// CHECK-DAG: prmt.b32
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn bits_u32(a: u32, out: *mut u32) {
        *out = a.leading_zeros();
        *out.add(1) = a.count_ones();
        *out.add(2) = a.reverse_bits();
        *out.add(3) = a.swap_bytes();
        *out.add(4) = a.trailing_zeros();
        *out.add(5) = a.count_zeros();
        *out.add(6) = a.leading_ones();
        *out.add(7) = a.is_power_of_two() as u32;
    }
}

// CHECK-LABEL: .visible .entry bits_u64(
// CHECK-DAG: clz.b64
// CHECK-DAG: popc.b64
// CHECK-DAG: brev.b64
gpu::kernel! {
    pub unsafe fn bits_u64(a: u64, out: *mut u64) {
        *out = a.leading_zeros() as u64;
        *out.add(1) = a.count_ones() as u64;
        *out.add(2) = a.reverse_bits();
        *out.add(3) = a.swap_bytes();
        *out.add(4) = a.trailing_zeros() as u64;
        *out.add(5) = a.next_power_of_two();
    }
}

gpu::kernel! {
    pub unsafe fn bits_u8_u16(a: u8, b: u16, out: *mut u32) {
        *out = a.leading_zeros();
        *out.add(1) = a.count_ones();
        *out.add(2) = a.reverse_bits() as u32;
        *out.add(3) = b.swap_bytes() as u32;
        *out.add(4) = b.leading_zeros();
        *out.add(5) = b.reverse_bits() as u32;
    }
}
