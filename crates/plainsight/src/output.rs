//! Writing output files so that nothing is lost: an input is never written, an
//! existing file only with `--force`, and every file goes to a fresh temporary file
//! in the target's folder (random name, created exclusively, so a planted symlink
//! or a user's own file cannot be written through) that is renamed into place once
//! complete, and removed on every failure path.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plainsight_core::channel::attack;
use plainsight_core::RgbImage;

use crate::images::{encode_png, extension};

/// Whether an output may replace an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the default of every command).
    Keep,
    /// Replace it (`--force`, and files a command owns such as training logs).
    Replace,
}

impl Existing {
    pub fn from_force(force: bool) -> Self {
        if force {
            Existing::Replace
        } else {
            Existing::Keep
        }
    }
}

/// `-`: standard input for an image read, standard output for one written (as PNG).
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Fails if more than one of `paths` is `-` (standard input or output can carry
/// one image).
pub fn check_one_stdio(paths: &[&PathBuf], what: &str) -> Result<()> {
    if paths.iter().filter(|p| is_stdio(p)).count() > 1 {
        bail!("only one {what} can be `-` (standard input or output)");
    }
    Ok(())
}

/// Checks that `path` names a PNG we may write: a lossy format would destroy the
/// hidden data, an input is never overwritten, and an existing file is kept unless `force`.
pub fn check_output(path: &Path, inputs: &[&PathBuf], force: bool) -> Result<()> {
    if is_stdio(path) {
        return Ok(());
    }
    check_not_an_input(path, inputs)?;
    if extension(path).as_deref() != Some("png") {
        bail!(
            "{}: this command writes PNG images (lossless); use a .png file name",
            path.display()
        );
    }
    check_free(path, force)
}

/// Checks that `path` names a container we may write: PNG, or `.jpg`/`.jpeg` when
/// `allow_jpeg` (a robust model's container, written lossily on request); inputs
/// and existing files as in [`check_output`].
pub fn check_target(path: &Path, inputs: &[&PathBuf], force: bool, allow_jpeg: bool) -> Result<()> {
    if is_stdio(path) {
        return Ok(());
    }
    check_not_an_input(path, inputs)?;
    let ext = extension(path);
    match ext.as_deref() {
        Some("png") => {}
        Some("jpg" | "jpeg") if allow_jpeg => {}
        Some("webp" | "gif") if allow_jpeg => bail!(
            "{}: a lossy container can only be a .jpg (or .jpeg) file",
            path.display()
        ),
        Some("jpg" | "jpeg" | "webp" | "gif") => bail!(
            "{} would be saved lossily ({}), which destroys the hidden image; use a .png file name \
             (--allow-lossy writes JPEG with --model jpeg-1, --model robust or a model trained with `train --attacks`)",
            path.display(),
            ext.unwrap_or_default()
        ),
        _ => bail!("{}: output must be a .png file", path.display()),
    }
    check_free(path, force)
}

/// Fails if `path` is one of `inputs` (through any link or relative path).
pub fn check_not_an_input(path: &Path, inputs: &[&PathBuf]) -> Result<()> {
    if let Ok(target) = path.canonicalize() {
        if inputs
            .iter()
            .any(|i| i.canonicalize().is_ok_and(|i| i == target))
        {
            bail!(
                "{} is also an input; choose another output name",
                path.display()
            );
        }
    }
    Ok(())
}

/// Fails if something is at `path` (a dangling link counts) and `force` is off, or
/// if it is a folder.
pub fn check_free(path: &Path, force: bool) -> Result<()> {
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(());
    };
    if meta.is_dir() {
        bail!("{} is a folder; name a file to write", path.display());
    }
    if !force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    Ok(())
}

/// Writes a container as JPEG at `quality` if the name ends in .jpg/.jpeg (the same
/// encoder `eval --attack jpeg444:Q` measures), else as PNG; returns the pixels the file
/// holds, which for a JPEG are not the container's.
pub fn save_container(
    path: &Path,
    image: RgbImage,
    quality: u8,
    existing: Existing,
) -> Result<RgbImage> {
    if matches!(extension(path).as_deref(), Some("jpg" | "jpeg")) {
        let bytes = attack::encode_jpeg(&image, quality)?;
        write_file(path, &bytes, existing)?;
        Ok(attack::decode_jpeg(&bytes)?)
    } else {
        save_png(path, &image, existing)?;
        Ok(image)
    }
}

/// Writes `image` as a PNG file.
pub fn save_png(path: &Path, image: &RgbImage, existing: Existing) -> Result<()> {
    write_file(path, &encode_png(image)?, existing)
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_file(path: &Path, bytes: &[u8], existing: Existing) -> Result<()> {
    if is_stdio(path) {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|_| out.flush())
            .context("cannot write to standard output");
    }
    let folder = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
            parent
        }
        None => Path::new("."),
    };
    if existing == Existing::Keep {
        check_free(path, false)?;
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".plainsight-").suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // What a plain file creation gets (the umask still applies), not tempfile's 0600.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    // On any error below, `file` is dropped and the temporary file removed.
    file.write_all(bytes)
        .and_then(|_| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let placed = match existing {
        Existing::Keep => file.persist_noclobber(path),
        Existing::Replace => file.persist(path),
    };
    placed.map_err(|e| {
        let reason = match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => {
                "it appeared while writing; pass --force to overwrite it".to_string()
            }
            _ => e.error.to_string(),
        };
        anyhow::anyhow!("cannot write {}: {reason}", path.display())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".partial"))
            .collect()
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        write_file(&path, b"one", Existing::Keep).unwrap();
        assert!(write_file(&path, b"two", Existing::Keep).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_file(&path, b"two", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let out = dir.path().join("out.png");
        let partial = dir.path().join("out.png.partial");
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        write_file(&out, b"data", Existing::Keep).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(partial.symlink_metadata().unwrap().file_type().is_symlink());
        // A link at the output itself: refused without force, replaced (not followed) with it.
        let linked = dir.path().join("linked.png");
        std::os::unix::fs::symlink(&victim, &linked).unwrap();
        assert!(write_file(&linked, b"data", Existing::Keep).is_err());
        write_file(&linked, b"data", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!linked.symlink_metadata().unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_folder_as_output_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("sub");
        std::fs::create_dir(&folder).unwrap();
        for existing in [Existing::Keep, Existing::Replace] {
            assert!(write_file(&folder, b"data", existing).is_err());
        }
        assert!(leftovers(dir.path()).is_empty());
    }
}
