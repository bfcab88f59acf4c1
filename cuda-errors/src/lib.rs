//! The CUDA driver's error codes (`CUresult`): every code of the CUDA 13
//! driver API with its enumerator name, and the driver's description
//! (`cuGetErrorString`) for the codes the emulator returns. One list for
//! `host-runtime` (names of the errors it reports, and the harness's
//! `//@ run-fail:` check), the emulator (`FaultKind`) and its `libcuda`
//! (`cuGetErrorName`, `cuGetErrorString`).

#![no_std]

/// One `CUresult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    /// The numeric value, e.g. 700.
    pub code: u32,
    /// The enumerator name, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`.
    pub name: &'static str,
    /// The driver's description, where the emulator's driver gives one.
    pub description: Option<&'static str>,
}

/// Every `CUresult` of the CUDA 13.0 headers (as cudarc binds them), in code order.
pub const ERRORS: &[Error] = &[
    Error {
        code: 0,
        name: "CUDA_SUCCESS",
        description: Some("no error"),
    },
    Error {
        code: 1,
        name: "CUDA_ERROR_INVALID_VALUE",
        description: Some("invalid argument"),
    },
    Error {
        code: 2,
        name: "CUDA_ERROR_OUT_OF_MEMORY",
        description: Some("out of memory"),
    },
    Error {
        code: 3,
        name: "CUDA_ERROR_NOT_INITIALIZED",
        description: Some("initialization error"),
    },
    Error {
        code: 4,
        name: "CUDA_ERROR_DEINITIALIZED",
        description: Some("driver shutting down"),
    },
    Error {
        code: 5,
        name: "CUDA_ERROR_PROFILER_DISABLED",
        description: None,
    },
    Error {
        code: 6,
        name: "CUDA_ERROR_PROFILER_NOT_INITIALIZED",
        description: None,
    },
    Error {
        code: 7,
        name: "CUDA_ERROR_PROFILER_ALREADY_STARTED",
        description: None,
    },
    Error {
        code: 8,
        name: "CUDA_ERROR_PROFILER_ALREADY_STOPPED",
        description: None,
    },
    Error {
        code: 34,
        name: "CUDA_ERROR_STUB_LIBRARY",
        description: Some("CUDA driver is a stub library"),
    },
    Error {
        code: 36,
        name: "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER",
        description: None,
    },
    Error {
        code: 46,
        name: "CUDA_ERROR_DEVICE_UNAVAILABLE",
        description: Some("CUDA-capable device(s) is/are busy or unavailable"),
    },
    Error {
        code: 100,
        name: "CUDA_ERROR_NO_DEVICE",
        description: Some("no CUDA-capable device is detected"),
    },
    Error {
        code: 101,
        name: "CUDA_ERROR_INVALID_DEVICE",
        description: Some("invalid device ordinal"),
    },
    Error {
        code: 102,
        name: "CUDA_ERROR_DEVICE_NOT_LICENSED",
        description: None,
    },
    Error {
        code: 200,
        name: "CUDA_ERROR_INVALID_IMAGE",
        description: Some("device kernel image is invalid"),
    },
    Error {
        code: 201,
        name: "CUDA_ERROR_INVALID_CONTEXT",
        description: Some("invalid device context"),
    },
    Error {
        code: 202,
        name: "CUDA_ERROR_CONTEXT_ALREADY_CURRENT",
        description: Some("context already current"),
    },
    Error {
        code: 205,
        name: "CUDA_ERROR_MAP_FAILED",
        description: None,
    },
    Error {
        code: 206,
        name: "CUDA_ERROR_UNMAP_FAILED",
        description: None,
    },
    Error {
        code: 207,
        name: "CUDA_ERROR_ARRAY_IS_MAPPED",
        description: None,
    },
    Error {
        code: 208,
        name: "CUDA_ERROR_ALREADY_MAPPED",
        description: None,
    },
    Error {
        code: 209,
        name: "CUDA_ERROR_NO_BINARY_FOR_GPU",
        description: Some("no kernel image is available for execution on the device"),
    },
    Error {
        code: 210,
        name: "CUDA_ERROR_ALREADY_ACQUIRED",
        description: None,
    },
    Error {
        code: 211,
        name: "CUDA_ERROR_NOT_MAPPED",
        description: None,
    },
    Error {
        code: 212,
        name: "CUDA_ERROR_NOT_MAPPED_AS_ARRAY",
        description: None,
    },
    Error {
        code: 213,
        name: "CUDA_ERROR_NOT_MAPPED_AS_POINTER",
        description: None,
    },
    Error {
        code: 214,
        name: "CUDA_ERROR_ECC_UNCORRECTABLE",
        description: None,
    },
    Error {
        code: 215,
        name: "CUDA_ERROR_UNSUPPORTED_LIMIT",
        description: Some("limit is not supported on this architecture"),
    },
    Error {
        code: 216,
        name: "CUDA_ERROR_CONTEXT_ALREADY_IN_USE",
        description: None,
    },
    Error {
        code: 217,
        name: "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED",
        description: Some("peer access is not supported between these two devices"),
    },
    Error {
        code: 218,
        name: "CUDA_ERROR_INVALID_PTX",
        description: Some("a PTX JIT compilation failed"),
    },
    Error {
        code: 219,
        name: "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT",
        description: None,
    },
    Error {
        code: 220,
        name: "CUDA_ERROR_NVLINK_UNCORRECTABLE",
        description: None,
    },
    Error {
        code: 221,
        name: "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        description: Some("PTX JIT compiler library not found"),
    },
    Error {
        code: 222,
        name: "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        description: Some("the provided PTX was compiled with an unsupported toolchain."),
    },
    Error {
        code: 223,
        name: "CUDA_ERROR_JIT_COMPILATION_DISABLED",
        description: None,
    },
    Error {
        code: 224,
        name: "CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY",
        description: None,
    },
    Error {
        code: 225,
        name: "CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC",
        description: None,
    },
    Error {
        code: 226,
        name: "CUDA_ERROR_CONTAINED",
        description: None,
    },
    Error {
        code: 300,
        name: "CUDA_ERROR_INVALID_SOURCE",
        description: Some("device kernel image is invalid"),
    },
    Error {
        code: 301,
        name: "CUDA_ERROR_FILE_NOT_FOUND",
        description: Some("file not found"),
    },
    Error {
        code: 302,
        name: "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND",
        description: None,
    },
    Error {
        code: 303,
        name: "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
        description: None,
    },
    Error {
        code: 304,
        name: "CUDA_ERROR_OPERATING_SYSTEM",
        description: None,
    },
    Error {
        code: 400,
        name: "CUDA_ERROR_INVALID_HANDLE",
        description: Some("invalid resource handle"),
    },
    Error {
        code: 401,
        name: "CUDA_ERROR_ILLEGAL_STATE",
        description: Some("the operation cannot be performed in the present state"),
    },
    Error {
        code: 402,
        name: "CUDA_ERROR_LOSSY_QUERY",
        description: None,
    },
    Error {
        code: 500,
        name: "CUDA_ERROR_NOT_FOUND",
        description: Some("named symbol not found"),
    },
    Error {
        code: 600,
        name: "CUDA_ERROR_NOT_READY",
        description: Some("device not ready"),
    },
    Error {
        code: 700,
        name: "CUDA_ERROR_ILLEGAL_ADDRESS",
        description: Some("an illegal memory access was encountered"),
    },
    Error {
        code: 701,
        name: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        description: Some("too many resources requested for launch"),
    },
    Error {
        code: 702,
        name: "CUDA_ERROR_LAUNCH_TIMEOUT",
        description: Some("the launch timed out and was terminated"),
    },
    Error {
        code: 703,
        name: "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING",
        description: None,
    },
    Error {
        code: 704,
        name: "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED",
        description: Some("peer access is already enabled"),
    },
    Error {
        code: 705,
        name: "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED",
        description: Some("peer access has not been enabled"),
    },
    Error {
        code: 708,
        name: "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE",
        description: Some("cannot set while device is active in this process"),
    },
    Error {
        code: 709,
        name: "CUDA_ERROR_CONTEXT_IS_DESTROYED",
        description: Some("context is destroyed"),
    },
    Error {
        code: 710,
        name: "CUDA_ERROR_ASSERT",
        description: Some("device-side assert triggered"),
    },
    Error {
        code: 711,
        name: "CUDA_ERROR_TOO_MANY_PEERS",
        description: None,
    },
    Error {
        code: 712,
        name: "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED",
        description: Some("part or all of the requested memory range is already mapped"),
    },
    Error {
        code: 713,
        name: "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED",
        description: Some("pointer does not correspond to a registered memory region"),
    },
    Error {
        code: 714,
        name: "CUDA_ERROR_HARDWARE_STACK_ERROR",
        description: Some("hardware stack error"),
    },
    Error {
        code: 715,
        name: "CUDA_ERROR_ILLEGAL_INSTRUCTION",
        description: Some("an illegal instruction was encountered"),
    },
    Error {
        code: 716,
        name: "CUDA_ERROR_MISALIGNED_ADDRESS",
        description: Some("misaligned address"),
    },
    Error {
        code: 717,
        name: "CUDA_ERROR_INVALID_ADDRESS_SPACE",
        description: Some("operation not supported on global/shared address space"),
    },
    Error {
        code: 718,
        name: "CUDA_ERROR_INVALID_PC",
        description: Some("invalid program counter"),
    },
    Error {
        code: 719,
        name: "CUDA_ERROR_LAUNCH_FAILED",
        description: Some("unspecified launch failure"),
    },
    Error {
        code: 720,
        name: "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE",
        description: Some("too many blocks in cooperative launch"),
    },
    Error {
        code: 721,
        name: "CUDA_ERROR_TENSOR_MEMORY_LEAK",
        description: None,
    },
    Error {
        code: 800,
        name: "CUDA_ERROR_NOT_PERMITTED",
        description: Some("operation not permitted"),
    },
    Error {
        code: 801,
        name: "CUDA_ERROR_NOT_SUPPORTED",
        description: Some("operation not supported"),
    },
    Error {
        code: 802,
        name: "CUDA_ERROR_SYSTEM_NOT_READY",
        description: None,
    },
    Error {
        code: 803,
        name: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        description: None,
    },
    Error {
        code: 804,
        name: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        description: None,
    },
    Error {
        code: 805,
        name: "CUDA_ERROR_MPS_CONNECTION_FAILED",
        description: None,
    },
    Error {
        code: 806,
        name: "CUDA_ERROR_MPS_RPC_FAILURE",
        description: None,
    },
    Error {
        code: 807,
        name: "CUDA_ERROR_MPS_SERVER_NOT_READY",
        description: None,
    },
    Error {
        code: 808,
        name: "CUDA_ERROR_MPS_MAX_CLIENTS_REACHED",
        description: None,
    },
    Error {
        code: 809,
        name: "CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED",
        description: None,
    },
    Error {
        code: 810,
        name: "CUDA_ERROR_MPS_CLIENT_TERMINATED",
        description: None,
    },
    Error {
        code: 811,
        name: "CUDA_ERROR_CDP_NOT_SUPPORTED",
        description: None,
    },
    Error {
        code: 812,
        name: "CUDA_ERROR_CDP_VERSION_MISMATCH",
        description: None,
    },
    Error {
        code: 900,
        name: "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        description: Some("operation not permitted when stream is capturing"),
    },
    Error {
        code: 901,
        name: "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        description: None,
    },
    Error {
        code: 902,
        name: "CUDA_ERROR_STREAM_CAPTURE_MERGE",
        description: None,
    },
    Error {
        code: 903,
        name: "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED",
        description: None,
    },
    Error {
        code: 904,
        name: "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
        description: None,
    },
    Error {
        code: 905,
        name: "CUDA_ERROR_STREAM_CAPTURE_ISOLATION",
        description: None,
    },
    Error {
        code: 906,
        name: "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT",
        description: None,
    },
    Error {
        code: 907,
        name: "CUDA_ERROR_CAPTURED_EVENT",
        description: None,
    },
    Error {
        code: 908,
        name: "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        description: None,
    },
    Error {
        code: 909,
        name: "CUDA_ERROR_TIMEOUT",
        description: Some("timeout reached"),
    },
    Error {
        code: 910,
        name: "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE",
        description: None,
    },
    Error {
        code: 911,
        name: "CUDA_ERROR_EXTERNAL_DEVICE",
        description: None,
    },
    Error {
        code: 912,
        name: "CUDA_ERROR_INVALID_CLUSTER_SIZE",
        description: None,
    },
    Error {
        code: 913,
        name: "CUDA_ERROR_FUNCTION_NOT_LOADED",
        description: None,
    },
    Error {
        code: 914,
        name: "CUDA_ERROR_INVALID_RESOURCE_TYPE",
        description: None,
    },
    Error {
        code: 915,
        name: "CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION",
        description: None,
    },
    Error {
        code: 916,
        name: "CUDA_ERROR_KEY_ROTATION",
        description: None,
    },
    Error {
        code: 917,
        name: "CUDA_ERROR_STREAM_DETACHED",
        description: None,
    },
    Error {
        code: 999,
        name: "CUDA_ERROR_UNKNOWN",
        description: Some("unknown error"),
    },
];

/// The error with this code.
pub fn by_code(code: u32) -> Option<&'static Error> {
    ERRORS.iter().find(|e| e.code == code)
}

/// The error with this enumerator name.
pub fn by_name(name: &str) -> Option<&'static Error> {
    ERRORS.iter().find(|e| e.name == name)
}

/// The enumerator name of a code, e.g. 715 → `CUDA_ERROR_ILLEGAL_INSTRUCTION`.
pub fn name(code: u32) -> Option<&'static str> {
    by_code(code).map(|e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_and_named_as_cuda_names_them() {
        assert!(ERRORS.windows(2).all(|w| w[0].code < w[1].code));
        assert!(ERRORS
            .iter()
            .all(|e| e.name == "CUDA_SUCCESS" || e.name.starts_with("CUDA_ERROR_")));
        assert_eq!(name(700), Some("CUDA_ERROR_ILLEGAL_ADDRESS"));
        assert_eq!(by_name("CUDA_ERROR_ASSERT").map(|e| e.code), Some(710));
        assert_eq!(
            by_code(700).and_then(|e| e.description),
            Some("an illegal memory access was encountered")
        );
        assert!(by_code(12345).is_none());
    }
}
