//! Helm releases the model reads: the ALB controller (chart `alb-controller`, for AGC) and AGIC
//! (chart `ingress-azure`). Terraform only: ARM and Bicep do not declare Helm releases.

use crate::model::resource::{Block, Resource};
use crate::model::{Model, Node};

/// Whether a chart reference names `chart`: `chart = "alb-controller"` with an OCI
/// repository, or the full OCI reference.
fn is_chart(chart: Option<&Node>, name: &str) -> bool {
    chart
        .and_then(Node::as_str)
        .is_some_and(|c| c == name || c.ends_with(&format!("/{name}")))
}

pub(super) fn from_terraform<B: Block>(r: &Resource<'_, B>, m: &mut Model) {
    let chart = r.f(&["chart"]);
    if is_chart(chart.as_ref(), "alb-controller") {
        m.alb_controllers.push(r.f(&["version"]));
    }
    if is_chart(chart.as_ref(), "ingress-azure") {
        m.agic_helm.push(crate::model::agic_helm::from_release(
            r.b,
            r.f(&["version"]),
        ));
    }
}
