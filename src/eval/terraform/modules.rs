//! Module calls: where a call's source lives (local or downloaded by `terraform init`) and its
//! instances, created on first use with their inputs.

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::{Evaluator, Instance, Scope, MAX_INSTANCES, MAX_MODULE_DEPTH};
use crate::eval::value::{InstKey, Value};
use crate::frontends::terraform::{is_local_source, join_normalized};

impl<'p, 'a> Evaluator<'p, 'a> {
    /// Whether a module call uses `count`/`for_each`, so references to it need a key.
    pub(super) fn call_is_collection(&self, inst: usize, call: usize) -> bool {
        self.module_of(inst)
            .and_then(|m| m.calls.get(call))
            .is_some_and(|c| c.body.has_attribute("count") || c.body.has_attribute("for_each"))
    }

    /// Directory of a module call's source, if it is available locally.
    fn call_dir(&self, inst: usize, call: usize) -> Option<usize> {
        let m = self.module_of(inst)?;
        let c = m.calls.get(call)?;
        let source = c.source.as_deref()?;
        if is_local_source(source) {
            let dir = join_normalized(&m.dir, source);
            return self.project.by_dir.get(&dir).copied();
        }
        // Downloaded by `terraform init`: look up the module key in the root's modules.json.
        let key = self.module_key(inst, &c.name);
        let root_dir = self
            .project
            .modules
            .get(self.instances.borrow().first()?.module)?
            .dir
            .clone();
        let dir = self.project.downloaded.get(&root_dir)?.get(&key)?;
        self.project.by_dir.get(dir).copied()
    }

    /// `a.b.c` key of a call as written in modules.json.
    fn module_key(&self, inst: usize, name: &str) -> String {
        let addr = self.inst_addr(inst);
        let mut parts: Vec<String> = addr
            .split("module.")
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.trim_end_matches('.')
                    .split('[')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        parts.push(name.to_string());
        parts.join(".")
    }

    /// Instances of a module call (created on first use).
    pub fn children(&self, inst: usize, call: usize) -> Rc<Vec<(InstKey, usize)>> {
        if let Some(c) = self.children.borrow().get(&(inst, call)) {
            return c.clone();
        }
        let created = self.create_children(inst, call);
        let rc = Rc::new(created);
        self.children.borrow_mut().insert((inst, call), rc.clone());
        rc
    }

    fn create_children(&self, inst: usize, call: usize) -> Vec<(InstKey, usize)> {
        let Some(m) = self.module_of(inst) else {
            return Vec::new();
        };
        let Some(c) = m.calls.get(call) else {
            return Vec::new();
        };
        let (depth, parent_addr, parent_cond) = {
            let insts = self.instances.borrow();
            match insts.get(inst) {
                Some(i) => (i.depth, i.addr.clone(), i.condition.clone()),
                None => return Vec::new(),
            }
        };
        if depth >= MAX_MODULE_DEPTH || self.instances.borrow().len() >= MAX_INSTANCES {
            self.issue(c.header, "module nesting or instance limit reached".into());
            return Vec::new();
        }
        let module = self.call_dir(inst, call);
        if module.is_none() {
            let source = c.source.clone().unwrap_or_default();
            let mut unread = self.unread_modules.borrow_mut();
            if !unread.iter().any(|(s, h)| *s == source && *h == c.header) {
                unread.push((source, c.header));
            }
        }
        if let Some(target) = module {
            // A module that calls itself (directly or through others) would recurse forever.
            let mut ancestors = 0;
            for i in self.instances.borrow().iter() {
                if i.module == target && parent_addr.starts_with(&i.addr) {
                    ancestors += 1;
                }
            }
            if ancestors > 0
                && self
                    .project
                    .modules
                    .get(target)
                    .is_some_and(|t| t.dir == m.dir)
            {
                self.issue(
                    c.header,
                    format!("module.{} calls its own directory", c.name),
                );
                return Vec::new();
            }
        }
        let sc = Scope {
            inst,
            file: c.file,
            binds: None,
        };
        let key = (inst, format!("module.{}#expand", c.name));
        let mut exp = None;
        let _ = self.guarded(key, c.header, || {
            exp = Some(self.expand(c.body, &sc));
            Value::null()
        });
        let Some(exp) = exp else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, kv) in &exp.keys {
            let sc_k = sc.for_instance(k, kv.clone());
            let key_txt = if exp.collection {
                k.to_string()
            } else {
                String::new()
            };
            let dot = if parent_addr.is_empty() { "" } else { "." };
            let addr = format!("{parent_addr}{dot}module.{}{key_txt}", c.name);
            let mut inputs = HashMap::new();
            if module.is_some() {
                for a in c.body.attributes() {
                    let n = a.key.as_str();
                    if matches!(
                        n,
                        "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                    ) {
                        continue;
                    }
                    inputs.insert(n.to_string(), self.eval(&a.value, &sc_k));
                }
            }
            let condition = parent_cond
                .clone()
                .or_else(|| exp.unknown_condition.clone());
            let id = {
                let mut insts = self.instances.borrow_mut();
                insts.push(Instance {
                    // An unavailable source gets an instance with no module: all outputs unknown.
                    module: module.unwrap_or(usize::MAX),
                    addr,
                    key: key_txt,
                    inputs,
                    depth: depth + 1,
                    condition,
                    source: c.source.clone().unwrap_or_default(),
                });
                insts.len() - 1
            };
            out.push((k.clone(), id));
        }
        out
    }

    /// Depth-first list of all instances reachable from the root (creating them).
    pub fn all_instances(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![0usize];
        let mut seen = HashSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            out.push(i);
            let ncalls = self.module_of(i).map_or(0, |m| m.calls.len());
            for call in (0..ncalls).rev() {
                for (_, child) in self.children(i, call).iter().rev() {
                    stack.push(*child);
                }
            }
        }
        out
    }
}
