//! Nested loops with labeled `break` and `continue`, and a labeled block.
//@ stages: ptx ptxas
#![no_std]

gpu::kernel! {
    /// Finds the first (row, col) of a `rows × cols` matrix equal to `needle`.
    pub unsafe fn find_2d(m: *const i32, rows: u32, cols: u32, needle: i32, out: *mut u32) {
        let mut pos = (u32::MAX, u32::MAX);
        'rows: for r in 0..rows {
            for c in 0..cols {
                let v = *m.add((r * cols + c) as usize);
                if v < 0 {
                    // Negative entries end the row early.
                    continue 'rows;
                }
                if v == needle {
                    pos = (r, c);
                    break 'rows;
                }
            }
        }
        *out = pos.0;
        *out.add(1) = pos.1;
    }
}

gpu::kernel! {
    pub unsafe fn labeled_block(x: u32, out: *mut u32) {
        let class = 'done: {
            if x == 0 {
                break 'done 0;
            }
            if x.is_power_of_two() {
                break 'done 1;
            }
            if x % 3 == 0 {
                break 'done 2;
            }
            3
        };
        *out = class;
    }
}
