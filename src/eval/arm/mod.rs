//! Evaluates a deployment template (ARM JSON or Bicep, lowered to the IR) into resource
//! instances with known-or-unknown values and provenance, the way Azure Resource Manager would
//! at deployment time, minus everything only Azure knows (resource group, subscription,
//! `reference()` of runtime state), which stays unknown.
//!
//! Parameters, variables and resources are evaluated lazily and memoized, so a cycle is found
//! (and reported once) instead of recursing; a step budget bounds hostile templates.
//!
//! The context is split by concern: `symbols` (parameters and variables), `resources` (copy
//! loops, instances and their symbolic values), `deploy` (nested deployments), `expr`
//! (expressions) and `calls` (the functions that need the context).

mod calls;
mod deploy;
mod expr;
mod resources;
mod symbols;

pub use expr::prop;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use foldhash::HashMap;

use super::value::Value;
use crate::frontends::ir::Template;
use crate::source::Span;

const MAX_STEPS: usize = 2_000_000;
const MAX_DEPTH: usize = 200;
const MAX_INSTANCES: usize = 10_000;
const MAX_NESTING: usize = 32;

/// One deployed resource instance.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Full type, as written.
    pub ty: String,
    /// Linkable id token (`ref:arm:...`).
    pub id: String,
    /// Display address (`aks`, `managedClusters/aks`, `module.net/vnet`).
    pub addr: String,
    pub header: Span,
    pub body: Value,
    /// The parent's id token for child resources.
    pub parent: Option<String>,
    /// Set when the resource is deployed only if an unknown condition holds.
    pub condition: Option<String>,
}

/// State shared by a template and the templates it deploys.
#[derive(Default)]
pub struct Shared {
    steps: Cell<usize>,
    depth: Cell<usize>,
    pub issues: RefCell<Vec<(Span, String)>>,
    pub out: RefCell<Vec<Instance>>,
    /// Symbolic values by id token, for `reference()`.
    declared: RefCell<HashMap<String, Registered>>,
    /// Numbers the template contexts of this deployment, so that a deferred value names the
    /// one that can build it.
    contexts: Cell<usize>,
    /// The (lower-cased) resource types whose bodies the caller reads from [`Shared::out`];
    /// the bodies of other types are evaluated only when an expression reads them. `None`:
    /// every body is evaluated.
    reads: Option<fn(&str) -> bool>,
}

/// A resource as `reference()` finds it by id token.
#[derive(Clone)]
enum Registered {
    Built(Value),
    /// A resource of a type no rule reads, whose body is evaluated only if something reads
    /// it: instance `at` of resource `res` of template context `ctx`, with what a reader from
    /// another context may know of it.
    Deferred {
        ctx: usize,
        res: usize,
        at: usize,
        ty: String,
        name: Value,
    },
}

impl Shared {
    /// State for a deployment whose caller reads only the bodies of the types `reads` accepts
    /// (see [`Shared::reads`]).
    pub fn reading(reads: fn(&str) -> bool) -> Shared {
        Shared {
            reads: Some(reads),
            ..Shared::default()
        }
    }

    fn next_context(&self) -> usize {
        let n = self.contexts.get();
        self.contexts.set(n + 1);
        n
    }

    fn issue(&self, span: Span, msg: String) {
        let mut i = self.issues.borrow_mut();
        if i.len() < 100 && !i.iter().any(|(s, _)| *s == span) {
            i.push((span, msg));
        }
    }
}

/// One evaluated instance of a resource declaration: its symbolic value, built when the
/// instance is, or when first read for a resource of a type no rule reads (see
/// [`TemplateEval::inst_value`]).
struct Inst {
    value: RefCell<Slot>,
}

enum Slot {
    Ready(Value),
    /// What building the value needs: the iteration's variables, the id token and the names.
    Deferred(Box<Deferred>),
    /// Being built: a read now is a cycle.
    Building,
}

struct Deferred {
    env: Vec<(String, Value)>,
    id: String,
    full_name: Value,
    name_text: Option<String>,
}

/// Evaluation context of one template instance.
pub struct TemplateEval<'t, 's, 'o> {
    t: &'t Template,
    shared: &'s Shared,
    /// ARM nested templates with `outer` scope read the caller's parameters and variables.
    outer: Option<&'o TemplateEval<'t, 's, 'o>>,
    /// The context that deploys this one (whatever its scope), to build a resource of the
    /// caller's that this one reads by id.
    caller: Option<&'o TemplateEval<'t, 's, 'o>>,
    inputs: HashMap<String, Value>,
    params: RefCell<HashMap<String, Option<Value>>>,
    vars: RefCell<HashMap<String, Option<Value>>>,
    res: RefCell<HashMap<usize, Option<Rc<Vec<Inst>>>>>,
    prefix: String,
    condition: Option<String>,
    nesting: usize,
    /// Names this deployment's unknowns (its subscription, resource group, parameters) in
    /// symbolic keys: a nested deployment may target another scope, so its unknowns differ.
    scope: Arc<str>,
    /// This context's number in [`Shared`].
    ctx: usize,
}

type Env<'a> = &'a [(String, Value)];
/// One loop iteration: its variables, and why it might not exist (an unknown filter/count).
type Iteration = (Vec<(String, Value)>, Option<String>);

impl<'t, 's, 'o> TemplateEval<'t, 's, 'o> {
    /// A root template with parameter values (from parameter files or module params).
    pub fn new(t: &'t Template, shared: &'s Shared, inputs: HashMap<String, Value>) -> Self {
        TemplateEval {
            t,
            shared,
            outer: None,
            caller: None,
            inputs: inputs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            params: RefCell::default(),
            vars: RefCell::default(),
            res: RefCell::default(),
            prefix: String::new(),
            condition: None,
            nesting: 0,
            scope: Arc::from(""),
            ctx: shared.next_context(),
        }
    }

    /// Evaluates every resource (and every nested deployment) into `shared.out`.
    pub fn expand(&self) {
        for i in 0..self.t.resources.len() {
            let _ = self.instances(i);
        }
    }

    /// `v` with the name it passed through on its provenance chain; a value without one (an
    /// unknown, a computed value) has nothing to extend, so no name is built.
    fn via_hop(&self, v: Value, kind: &str, name: &str) -> Value {
        if v.prov.is_none() {
            return v;
        }
        v.via(&self.hop(kind, name))
    }

    /// The name a value passes through, for its provenance chain: Bicep's `name` or ARM's
    /// `parameters('name')`, prefixed with the nested deployment it is in.
    fn hop(&self, kind: &str, name: &str) -> String {
        // Built at its exact size: a template's every parameter and variable takes one.
        if self.t.bicep {
            [self.prefix.as_str(), name].concat()
        } else {
            [self.prefix.as_str(), kind, "('", name, "')"].concat()
        }
    }

    /// Counts one evaluation step; `false` (and an issue) once the template has used them all.
    fn budget(&self, span: Span) -> bool {
        let s = self.shared.steps.get() + 1;
        self.shared.steps.set(s);
        if s > MAX_STEPS {
            self.shared.issue(
                span,
                "evaluation stopped: the template needs too many steps".into(),
            );
            return false;
        }
        true
    }
}
