//! The folder a program loads the emulator's driver library from as
//! `libcuda`: the library copied in, with `libcuda.so` and `libcuda.so.1`
//! links to it. `ptx-emu run` and the harness both put such a folder first
//! on `LD_LIBRARY_PATH`.

use std::path::{Path, PathBuf};

/// The file name of the library cargo builds from `emulator/libcuda`.
pub const LIB_FILE: &str = "libptx_emu_cuda.so";

/// Publishes the library `bytes` as `<under>/<name>/`, once: the folder is
/// staged under a per-process name and renamed into place, so a program
/// never sees a half-written folder, and when another process published the
/// same `name` first, its folder is kept. Name it by the library's content,
/// so a rebuild never changes what a running program loads.
pub fn publish(bytes: &[u8], under: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = under.join(name);
    let complete = |d: &Path| {
        ["libcuda.so", "libcuda.so.1"]
            .iter()
            .all(|l| d.join(l).exists())
            && d.join(LIB_FILE).is_file()
    };
    if complete(&dir) {
        return Ok(dir);
    }
    let staging = under.join(format!("{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let make = || -> std::io::Result<()> {
        std::fs::create_dir_all(&staging)?;
        std::fs::write(staging.join(LIB_FILE), bytes)?;
        for link in ["libcuda.so", "libcuda.so.1"] {
            std::os::unix::fs::symlink(LIB_FILE, staging.join(link))?;
        }
        Ok(())
    };
    make().map_err(|e| format!("cannot set up {}: {e}", staging.display()))?;
    // Another process may have published the same folder first; keep theirs.
    if std::fs::rename(&staging, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    if complete(&dir) {
        Ok(dir)
    } else {
        Err(format!(
            "could not set up the emulator library folder {}",
            dir.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_published_once_with_its_links() {
        let dir = std::env::temp_dir().join(format!("ptx-emu-libdir-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let a = publish(b"lib", &dir, "k1").unwrap();
        assert_eq!(std::fs::read(a.join("libcuda.so.1")).unwrap(), b"lib");
        assert_eq!(
            std::fs::read_link(a.join("libcuda.so")).unwrap(),
            Path::new(LIB_FILE)
        );
        // Published again: the folder that is there stays.
        let b = publish(b"other", &dir, "k1").unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read(b.join(LIB_FILE)).unwrap(), b"lib");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no staging left"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
