//! The one field a search varies, shared by break-even and cheapest: which field it is (in a
//! scenario without sweeps) and the scenario with it set to a value, the command line's
//! overrides applied and its trace checked through the command's [`Traces`].

use super::{ExperimentError, Overrides};
use crate::scenario::doc::{self, Form, Step};
use crate::scenario::sweep::Sweep;
use crate::scenario::{Scenario, parse_with};
use crate::traffic::Traces;

/// The field `vary` names in a scenario without sweeps (`what` varies it, for the message):
/// its path and whether it is written as an integer, a float or a duration.
///
/// # Errors
/// The scenario does not parse as a sweep, already sweeps a field, or has no field `vary`.
pub(super) fn field_to_vary(
    text: &str,
    file: &str,
    vary: &str,
    what: &str,
) -> Result<(Vec<Step>, Form), ExperimentError> {
    let sweep = Sweep::parse(text, file)?;
    if let Some(axis) = sweep.axes.first() {
        return Err(ExperimentError::AlreadySwept {
            file: file.to_string(),
            field: axis.name.clone(),
            what: what.to_string(),
        });
    }
    doc::resolve_path(text, vary).map_err(|reason| ExperimentError::UnknownField {
        vary: vary.to_string(),
        reason,
    })
}

/// The scenario with the field at `path` set to `x`, its trace checked through `traces`.
pub(super) fn at(
    text: &str,
    file: &str,
    path: &[Step],
    form: Form,
    x: f64,
    overrides: Overrides,
    traces: &Traces,
) -> Result<Scenario, ExperimentError> {
    let t = doc::set_values(text, file, &[(path, x, form)])?;
    let mut s = parse_with(&t, file, traces)?;
    overrides.apply(&mut s);
    Ok(s)
}
