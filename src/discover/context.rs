//! Context: what must be read so that the files in scope are evaluated as a full scan would
//! evaluate them ("paths are scope, not context", DESIGN.md).
//!
//! A Terraform directory is evaluated through the roots that call it, so the directories that
//! (transitively) call a scoped one are read too. A Bicep/ARM file is evaluated through the
//! templates that deploy it and with the parameter files that use it, and it needs the modules
//! it deploys, even in hidden directories such as CARML's `.bicep/`. References are found by a
//! text scan that over-approximates the real ones: reading one file too many costs a little
//! time, missing one would make a finding disappear.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::{is_deploy_file, Tree, MAX_FILE_BYTES};
use crate::frontends::terraform::{is_local_source, join_normalized};

/// The local module directories a Terraform file's text may call: every `source = "./..."` or
/// `"../..."` (Terraform requires a literal string there). A superset of the real calls: other
/// attributes named `source` and commented-out lines count too.
pub fn terraform_calls(text: &str, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // SIMD search: every Terraform file of a scan is searched, most of them with no call.
    for at in memchr::memmem::find_iter(text.as_bytes(), b"source") {
        let word_before = text
            .get(..at)
            .and_then(|t| t.chars().next_back())
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if word_before {
            continue;
        }
        let Some(rest) = text.get(at + "source".len()..).map(str::trim_start) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find(['"', '\n']) else {
            continue;
        };
        let value = rest.get(..end).unwrap_or("");
        if rest.get(end..).is_some_and(|r| r.starts_with('"')) && is_local_source(value) {
            out.push(join_normalized(dir, value));
        }
    }
    out
}

/// The files a Bicep or ARM file's text may deploy or apply to: quoted local paths ending in
/// `.bicep`/`.json`/`.jsonc` in Bicep (`module`, `using`), and `relativePath` values in ARM
/// JSON. Registry references (`br:`, `ts:`) and URLs are not files.
pub fn deploy_refs(text: &str, file: &Path) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let is_bicep = file
        .extension()
        .is_some_and(|e| e == "bicep" || e == "bicepparam");
    let mut out = Vec::new();
    if is_bicep {
        // Every piece between quotes, not only odd ones: an apostrophe in a comment must not
        // shift which pieces count as strings.
        for lit in text.split('\'') {
            if is_local_template_path(lit) {
                out.push(join_normalized(dir, lit));
            }
        }
    } else {
        // ARM property names are case-insensitive, as the lowering reads them: a
        // `"RelativePath"` links a template too.
        const KEY: &str = "\"relativepath\"";
        for at in find_ascii_case_insensitive(text.as_bytes(), KEY.as_bytes()) {
            let Some(rest) = text.get(at + KEY.len()..) else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix(':') else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some(lit) = rest.split('"').next() else {
                continue;
            };
            // JSON may escape the slashes (`nested\/net.json`); the parsed value has none.
            let lit = if lit.contains('\\') {
                Cow::Owned(lit.replace("\\/", "/"))
            } else {
                Cow::Borrowed(lit)
            };
            if is_local_template_path(&lit) {
                out.push(join_normalized(dir, &lit));
            }
        }
    }
    out
}

/// Where `needle` (lower case) starts in `hay`, ignoring ASCII case. The text is lowered a
/// block at a time and searched with SIMD: an automaton for a needle that starts with `"`
/// stopped at every quote of a JSON text, a twentieth of a scan of large templates.
fn find_ascii_case_insensitive(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    const BLOCK: usize = 64 * 1024;
    let finder = memchr::memmem::Finder::new(needle);
    let mut out = Vec::new();
    let mut lowered = Vec::with_capacity(BLOCK + needle.len());
    let mut start = 0;
    while let Some(rest) = hay.get(start..).filter(|r| !r.is_empty()) {
        // Blocks overlap by the needle's length less one: a match across a seam is found in
        // the block it starts in, and only there.
        let block = rest
            .get(..BLOCK + needle.len().saturating_sub(1))
            .unwrap_or(rest);
        lowered.clear();
        lowered.extend(block.iter().map(u8::to_ascii_lowercase));
        out.extend(
            finder
                .find_iter(&lowered)
                .filter(|at| *at < BLOCK)
                .map(|at| start + at),
        );
        start += BLOCK;
    }
    out
}

fn is_local_template_path(lit: &str) -> bool {
    // Called on every quoted piece of every Bicep file: the suffix test comes first and
    // nothing is allocated.
    let b = lit.as_bytes();
    let ends = |suffix: &str| {
        b.len()
            .checked_sub(suffix.len())
            .and_then(|at| b.get(at..))
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix.as_bytes()))
    };
    let starts = |prefix: &str| {
        b.get(..prefix.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    (ends(".bicep") || ends(".json") || ends(".jsonc"))
        && !lit.contains(['\n', '$', '[', '{'])
        && !["br:", "br/", "ts:", "ts/"].iter().any(|p| starts(p))
        && !lit.contains("://")
}

/// The stem of the template a parameter file pairs with, from its name:
/// `<stem>.parameters.json`, `<stem>.parameters.<env>.json` or `<stem>.<env>.parameters.json`
/// (`.jsonc` too). Both environment spellings are common in the quickstart templates.
pub fn template_stem(name: &str) -> Option<&str> {
    let rest = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".jsonc"))?;
    match rest.split('.').collect::<Vec<_>>().as_slice() {
        [stem, "parameters"] => Some(*stem),
        [stem, "parameters", env] | [stem, env, "parameters"] if !env.is_empty() => Some(*stem),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// The template a parameter file pairs with (see [`template_stem`]), beside it.
pub fn paired_template(param_file: &Path) -> Option<PathBuf> {
    let stem = template_stem(param_file.file_name()?.to_str()?)?;
    Some(param_file.parent()?.join(format!("{stem}.json")))
}

/// Terraform directories (anywhere under the root) that call any of `scoped`, transitively.
/// `tf_files` are every `.tf` file of the root's walk.
pub fn terraform_callers(tree: &Tree, tf_files: &[PathBuf], scoped: &[PathBuf]) -> Vec<PathBuf> {
    let calls: Vec<(PathBuf, Vec<PathBuf>)> = tf_files
        .par_iter()
        .filter_map(|f| {
            let dir = f.parent()?.to_path_buf();
            let text = tree.read_text(f, MAX_FILE_BYTES).ok()?;
            let calls = terraform_calls(&text, &dir);
            (!calls.is_empty()).then_some((dir, calls))
        })
        .collect();
    let mut callers_of: HashMap<&Path, Vec<&Path>> = HashMap::new();
    for (dir, targets) in &calls {
        for t in targets {
            callers_of
                .entry(t.as_path())
                .or_default()
                .push(dir.as_path());
        }
    }
    backward(scoped, &callers_of)
}

/// Everything reachable backwards from `start` through `callers_of`, `start` excluded.
fn backward(start: &[PathBuf], callers_of: &HashMap<&Path, Vec<&Path>>) -> Vec<PathBuf> {
    let mut seen: BTreeSet<PathBuf> = start.iter().cloned().collect();
    let mut frontier: Vec<PathBuf> = start.to_vec();
    let mut out = BTreeSet::new();
    while let Some(p) = frontier.pop() {
        for c in callers_of.get(p.as_path()).into_iter().flatten() {
            if seen.insert(c.to_path_buf()) {
                out.insert(c.to_path_buf());
                frontier.push(c.to_path_buf());
            }
        }
    }
    out.into_iter().collect()
}

/// What a deployment file deploys or pairs with, inside `root`: `refs`, the local paths its
/// text quotes ([`deploy_refs`], none when it could not be read), and, for a parameter file,
/// its template.
pub fn deploy_targets(
    tree: &Tree,
    file: &Path,
    mut refs: Vec<PathBuf>,
    root: &Path,
) -> Vec<PathBuf> {
    refs.extend(paired_template(file));
    refs.retain(|r| r.starts_with(root) && is_deploy_file(r) && tree.is_file(r));
    refs
}

fn read_targets(tree: &Tree, file: &Path, root: &Path) -> Vec<PathBuf> {
    let refs = tree
        .read_text(file, MAX_FILE_BYTES)
        .map(|t| deploy_refs(&t, file))
        .unwrap_or_default();
    deploy_targets(tree, file, refs, root)
}

/// The Bicep/ARM files in scope for `scoped`: the scoped files and the files that deploy or
/// parameterize them (transitively), inside `root`. `all` is every deployment file of the
/// root's walk. What the set deploys in turn is added as the lint reads the set (each file is
/// read once for both), or by [`deploy_closure`].
pub fn deploy_context(
    tree: &Tree,
    all: &[PathBuf],
    scoped: &[PathBuf],
    root: &Path,
) -> Vec<PathBuf> {
    let mut set: BTreeSet<PathBuf> = scoped.iter().cloned().collect();
    if all.len() > scoped.len() {
        let refs: Vec<(PathBuf, Vec<PathBuf>)> = all
            .par_iter()
            .map(|f| (f.clone(), read_targets(tree, f, root)))
            .collect();
        let mut callers_of: HashMap<&Path, Vec<&Path>> = HashMap::new();
        for (f, targets) in &refs {
            for t in targets {
                callers_of.entry(t.as_path()).or_default().push(f.as_path());
            }
        }
        set.extend(backward(scoped, &callers_of));
    }
    set.into_iter().collect()
}

/// `files` and everything they deploy or pair with ([`deploy_targets`]), to a fixpoint, sorted.
/// Files outside the walk (hidden directories) are added when a file of the set references them.
pub fn deploy_closure(tree: &Tree, files: &[PathBuf], root: &Path) -> Vec<PathBuf> {
    forward(files.iter().cloned().collect(), |f| {
        read_targets(tree, f, root)
    })
}

/// Adds what the files of `set` reference, to a fixpoint.
fn forward(
    mut set: BTreeSet<PathBuf>,
    refs_of: impl Fn(&PathBuf) -> Vec<PathBuf> + Sync,
) -> Vec<PathBuf> {
    let mut frontier: Vec<PathBuf> = set.iter().cloned().collect();
    while !frontier.is_empty() {
        let found: Vec<PathBuf> = frontier.par_iter().flat_map(&refs_of).collect();
        frontier = found
            .into_iter()
            .filter(|r| set.insert(r.clone()))
            .collect();
    }
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_search_finds_every_match_once_across_block_seams() {
        let needle = b"\"relativepath\"";
        assert_eq!(
            find_ascii_case_insensitive(b"{\"RelativePath\":1,\"relativePATH\":2}", needle),
            vec![1, 18]
        );
        assert!(find_ascii_case_insensitive(b"\"relativepat", needle).is_empty());
        assert!(find_ascii_case_insensitive(b"", needle).is_empty());
        // Matches that end at, straddle and start at a 64 KiB seam, and one past it.
        let mut text = vec![b' '; 4 * 65536];
        let starts = [65536 - 14, 2 * 65536 - 5, 3 * 65536, 3 * 65536 + 100];
        for at in starts {
            text.splice(at..at + 14, b"\"RELATIVEpath\"".iter().copied());
        }
        assert_eq!(find_ascii_case_insensitive(&text, needle), starts);
    }

    #[test]
    fn terraform_text_scan_finds_local_sources_only() {
        let text = r#"
module "net" {
  source = "../modules/net"
}
module "aks" { source="./aks" }
module "reg" {
  source  = "Azure/aks/azurerm"
}
resource "x" "y" { data_source = "./not-a-call" }
"#;
        let calls = terraform_calls(text, Path::new("/r/env"));
        assert_eq!(
            calls,
            vec![PathBuf::from("/r/modules/net"), PathBuf::from("/r/env/aks")]
        );
    }

    #[test]
    fn bicep_refs_are_local_template_paths() {
        let text = "using './main.bicep'\nmodule a '.bicep/nested_roleAssignments.bicep' = {}\n\
                    module r 'br/public:avm/res/network:0.1.0' = {}\nparam x string = 'a.b'\n\
                    module j '../arm/azuredeploy.json' = {}\n";
        let refs = deploy_refs(text, Path::new("/r/infra/main.bicep"));
        assert_eq!(
            refs,
            vec![
                PathBuf::from("/r/infra/main.bicep"),
                PathBuf::from("/r/infra/.bicep/nested_roleAssignments.bicep"),
                PathBuf::from("/r/arm/azuredeploy.json"),
            ]
        );
    }

    #[test]
    fn template_paths_are_told_apart_ignoring_case() {
        for local in ["./Main.BICEP", "nested/x.JSON", "a.jsonc", "../m/é.bicep"] {
            assert!(is_local_template_path(local), "{local}");
        }
        for not in [
            "BR:mcr.microsoft.com/bicep/x.bicep",
            "Ts/spec:x.json",
            "https://example.com/t.json",
            "${x}.bicep",
            "[parameters('t')].json",
            "x.bicep\n",
            "a.b",
            "é",
            "",
        ] {
            assert!(!is_local_template_path(not), "{not}");
        }
    }

    #[test]
    fn arm_refs_are_relative_paths() {
        let text = r#"{"properties": {"templateLink": {"relativePath": "nested/net.json"}},
                      "x": {"uri": "https://example.invalid/a.json"}}"#;
        let refs = deploy_refs(text, Path::new("/r/t/main.json"));
        assert_eq!(refs, vec![PathBuf::from("/r/t/nested/net.json")]);
    }

    #[test]
    fn arm_refs_ignore_the_key_case_and_read_escaped_slashes() {
        let text = r#"{"TemplateLink": {"RelativePath" : "nested\/net.json"},
                      "templateLink": {"RELATIVEPATH": "../shared/vnet.json"}}"#;
        let refs = deploy_refs(text, Path::new("/r/t/main.json"));
        assert_eq!(
            refs,
            vec![
                PathBuf::from("/r/t/nested/net.json"),
                PathBuf::from("/r/shared/vnet.json")
            ]
        );
    }

    #[test]
    fn parameter_files_pair_with_their_template() {
        assert_eq!(
            paired_template(Path::new("/r/azuredeploy.parameters.dev.json")),
            Some(PathBuf::from("/r/azuredeploy.json"))
        );
        assert_eq!(
            paired_template(Path::new("/r/azuredeploy.private.parameters.json")),
            Some(PathBuf::from("/r/azuredeploy.json"))
        );
        assert_eq!(paired_template(Path::new("/r/azuredeploy.json")), None);
    }

    #[test]
    fn callers_are_followed_transitively() {
        let (a, b, c, d) = (
            PathBuf::from("/r/a"),
            PathBuf::from("/r/b"),
            PathBuf::from("/r/c"),
            PathBuf::from("/r/d"),
        );
        let mut callers_of: HashMap<&Path, Vec<&Path>> = HashMap::new();
        callers_of.insert(&c, vec![&b]);
        callers_of.insert(&b, vec![&a]);
        callers_of.insert(&d, vec![&a]);
        assert_eq!(backward(std::slice::from_ref(&c), &callers_of), vec![a, b]);
    }
}
