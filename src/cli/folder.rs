//! Output folders replaced as a whole or not at all.
//!
//! Every command that writes a folder (run, report, sweep, merge, breakeven, cheapest) writes it
//! beside its destination under a name no other process uses (`.NAME.XXXXXX.tmp`, made by
//! `tempfile`), then renames it into place; the old folder is first renamed aside and removed
//! afterwards. A run killed while writing, a full disk or two runs into the same folder leave
//! either the old folder or one new one, never a mix; a folder left behind by a killed run is
//! hidden (`.`) and never read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use scalesim_report::ReportFile;

/// Files that mark a folder as one scalesim wrote (so it may be replaced).
const MARKERS: [&str; 6] = [
    "summary.json",
    "sweep.json",
    "breakeven.json",
    "cheapest.csv",
    "results.csv",
    "report.html",
];

/// A folder being written beside its destination.
pub(crate) struct Staged {
    dir: tempfile::TempDir,
    out: PathBuf,
}

impl Staged {
    /// Start a folder that will replace `out`. Refuses an `out` that exists and is a file, or a
    /// folder with other contents than a scalesim output (so a mistyped `--out ~` deletes
    /// nothing).
    pub(crate) fn new(out: &Path) -> Result<Staged> {
        let name = out
            .file_name()
            .with_context(|| {
                format!(
                    "{} does not name a folder; give --out a folder name",
                    out.display()
                )
            })?
            .to_string_lossy()
            .to_string();
        check_replaceable(out, None)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
        Ok(Staged {
            dir,
            out: out.to_path_buf(),
        })
    }

    /// Where the files go until [`Staged::commit`].
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `files` (paths relative to the folder) into it.
    pub(crate) fn write(&self, files: &[ReportFile]) -> Result<()> {
        for f in files {
            let path = self.path().join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, &f.bytes)
                .with_context(|| format!("cannot write {} (for {})", f.path, self.out.display()))?;
        }
        Ok(())
    }

    /// Move the finished folder into place, replacing the old one as a whole. The folder gets
    /// a [`MANIFEST`] of what it holds, so a later run knows what it may replace.
    pub(crate) fn commit(self) -> Result<()> {
        let Staged { dir, out } = self;
        write_manifest(dir.path())?;
        check_replaceable(&out, Some(&kind_of(dir.path())))?;
        let staged = dir.keep();
        let result = swap_in(&staged, &out);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staged);
        }
        result
    }
}

/// Rename `staged` to `out`; an existing `out` is renamed aside first and removed after. Another
/// process may do the same at the same time: then one complete folder wins.
fn swap_in(staged: &Path, out: &Path) -> Result<()> {
    let name = out
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().to_string());
    for attempt in 0..20 {
        match std::fs::rename(staged, out) {
            Ok(()) => return Ok(()),
            Err(_) if std::fs::symlink_metadata(out).is_ok() => {
                check_replaceable(out, None)?;
                let aside = out.with_file_name(format!(
                    ".{name}.old-{}-{attempt}-{}",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos())
                ));
                // Another run may move it first: then try again.
                if std::fs::rename(out, &aside).is_ok() {
                    let moved = std::fs::rename(staged, out);
                    let _ = std::fs::remove_dir_all(&aside);
                    if moved.is_ok() {
                        return Ok(());
                    }
                }
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot write {}", out.display()));
            }
        }
    }
    bail!(
        "cannot write {}: other processes keep replacing it",
        out.display()
    )
}

/// The file in each output folder that lists what scalesim wrote there: a first line
/// `kind: run` (or sweep, breakeven, cheapest), then one top-level name per line.
pub(crate) const MANIFEST: &str = ".scalesim-output";

/// What kind of output a folder holds, from the files that mark each kind.
fn kind_of(dir: &Path) -> String {
    let kinds = [
        ("summary.json", "run"),
        ("sweep.json", "sweep"),
        ("breakeven.json", "breakeven"),
        ("cheapest.csv", "cheapest"),
    ];
    kinds
        .iter()
        .find(|(file, _)| dir.join(file).exists())
        .map_or("output", |(_, kind)| kind)
        .to_string()
}

/// Every entry under `dir` (files, folders, links; not followed), as paths relative to it with
/// `/`, sorted; the manifest itself left out.
fn entries(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        for e in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if rel == MANIFEST {
                continue;
            }
            out.push(rel);
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn write_manifest(dir: &Path) -> Result<()> {
    let text = format!("kind: {}\n{}\n", kind_of(dir), entries(dir)?.join("\n"));
    std::fs::write(dir.join(MANIFEST), text)
        .with_context(|| format!("cannot write {}", dir.join(MANIFEST).display()))
}

/// Whether a top-level name is one scalesim writes in some output folder (for folders written
/// before the manifest existed).
fn scalesim_name(name: &str) -> bool {
    const NAMES: [&str; 16] = [
        "summary.json",
        "summary.csv",
        "functions.csv",
        "timeseries.parquet",
        "timeseries.csv",
        "charts",
        "report.md",
        "report.html",
        "requests",
        "sweep.json",
        "runs.csv",
        "runs.parquet",
        "results.csv",
        "results.parquet",
        "breakeven.json",
        "breakeven.csv",
    ];
    NAMES.contains(&name)
        || ["sweep-", "breakeven.", "cheapest."]
            .iter()
            .any(|p| name.starts_with(p))
}

/// Refuse, naming them, when `foreign` is not empty.
fn refuse_foreign(out: &Path, foreign: &[String]) -> Result<()> {
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
    let more = if foreign.len() > 5 {
        format!(" and {} more", foreign.len() - 5)
    } else {
        String::new()
    };
    bail!(
        "{} holds {}{more} that scalesim did not write; writing there would delete it, so give \
         another --out or move it",
        out.display(),
        shown.join(", ")
    )
}

/// Whether an existing `out` may be replaced: only a folder scalesim wrote, or an empty one.
/// A folder holding files scalesim did not write (notes, a spreadsheet, a chart of one's own
/// in `charts/`) is refused — replacing it would delete them — and, when the new folder's
/// `kind` is known, one holding another kind's results (a sweep's under a run). A folder
/// written before the manifest existed may hold only names scalesim writes.
fn check_replaceable(out: &Path, kind: Option<&str>) -> Result<()> {
    if let Ok(manifest) = std::fs::read_to_string(out.join(MANIFEST)) {
        let mut lines = manifest.lines();
        let old_kind = lines
            .next()
            .and_then(|l| l.strip_prefix("kind: "))
            .unwrap_or("output");
        let listed: Vec<&str> = lines.collect();
        let foreign: Vec<String> = entries(out)?
            .into_iter()
            .filter(|n| !listed.contains(&n.as_str()))
            .collect();
        refuse_foreign(out, &foreign)?;
        if let Some(kind) = kind
            && kind != old_kind
        {
            bail!(
                "{} holds a {old_kind}'s results; this {kind} would replace them: give another --out",
                out.display()
            );
        }
        return Ok(());
    }
    let Ok(meta) = std::fs::symlink_metadata(out) else {
        return Ok(()); // nothing there
    };
    if !meta.is_dir() {
        bail!(
            "{} exists and is not a folder; give --out a folder to write",
            out.display()
        );
    }
    let top: Vec<String> = std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    if top.is_empty() {
        return Ok(());
    }
    if !MARKERS.iter().any(|m| out.join(m).exists()) {
        bail!(
            "{} exists and is not a scalesim output folder (no {}); it would be replaced as a \
             whole, so give another --out or remove it",
            out.display(),
            MARKERS.join(", ")
        );
    }
    // Written before the manifest: only scalesim's own names, and its charts/ and requests/
    // hold only what scalesim puts there.
    let mut foreign: Vec<String> = top.into_iter().filter(|n| !scalesim_name(n)).collect();
    for (sub, ext) in [
        ("charts", &["svg", "png"][..]),
        ("requests", &["parquet"][..]),
    ] {
        if out.join(sub).is_dir() {
            for e in entries(&out.join(sub))? {
                let ok = !e.contains('/')
                    && ext.iter().any(|x| e.ends_with(&format!(".{x}")))
                    && std::fs::symlink_metadata(out.join(sub).join(&e)).is_ok_and(|m| m.is_file());
                if !ok {
                    foreign.push(format!("{sub}/{e}"));
                }
            }
        }
    }
    refuse_foreign(out, &foreign)
}

/// Write `files` as the whole folder `out`, replacing any old one.
pub(crate) fn write_folder(out: &Path, files: &[ReportFile]) -> Result<()> {
    let staged = Staged::new(out)?;
    staged.write(files)?;
    staged.commit()
}

/// Refuse an output folder that is one of `inputs` or holds one (replacing it would destroy
/// what is being read).
pub(crate) fn refuse_over_inputs(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Ok(out_abs) = std::fs::canonicalize(out) else {
        return Ok(()); // does not exist yet, so it is none of the inputs
    };
    for input in inputs {
        if let Ok(abs) = std::fs::canonicalize(input)
            && abs.starts_with(&out_abs)
        {
            bail!(
                "--out {} would replace the input {}: write the merged sweep to another folder",
                out.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Copy the entries of folder `from` named in `keep` (top-level names, files or folders) into
/// `to`: hard links where the file system allows, copies otherwise.
pub(crate) fn carry_over(from: &Path, to: &Path, keep: &[&str]) -> Result<()> {
    fn copy(src: &Path, dst: &Path) -> Result<()> {
        if std::fs::symlink_metadata(src)?.is_dir() {
            std::fs::create_dir_all(dst)?;
            for entry in
                std::fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))?
            {
                let entry = entry?;
                copy(&entry.path(), &dst.join(entry.file_name()))?;
            }
        } else if std::fs::hard_link(src, dst).is_err() {
            std::fs::copy(src, dst).with_context(|| format!("cannot copy {}", src.display()))?;
        }
        Ok(())
    }
    for name in keep {
        let src = from.join(name);
        if src.exists() {
            copy(&src, &to.join(name))?;
        }
    }
    Ok(())
}
