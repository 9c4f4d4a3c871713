//! `[checks]` and `[expect]`: what must hold, and what must break.

use crate::catalog::{PatternInfo, PropertyKind, PropertySpec};
use crate::closest;
use crate::file::diagnostic::Diagnostic;
use crate::file::document::{Item, Value};
use crate::file::reader::{Fields, Reader};

use super::Check;

pub(super) fn read_checks(reader: &mut Reader<'_>, item: Option<&Item>, info: &PatternInfo) -> Vec<Check> {
    let all = || info.properties.iter().map(|property| Check { property, within: None }).collect();
    let Some(item) = item else { return all() };
    let Some(mut fields) = Fields::new(reader, item, "[checks]") else { return all() };
    let mut checks = Vec::new();
    for property in info.properties {
        let Some(value) = fields.optional(property.name) else { continue };
        match &value.value {
            Value::Bool(true) => checks.push(Check { property, within: None }),
            Value::Bool(false) => {}
            _ => {
                let Some(mut f) = Fields::new(reader, value, &format!("check `{}`", property.name)) else {
                    continue;
                };
                let within_item = f.optional("within");
                let within = within_item.and_then(|w| reader.duration(w));
                f.finish(reader);
                if let Some(w) = within_item
                    && property.kind != PropertyKind::Eventually
                {
                    let when = match property.kind {
                        PropertyKind::Always => "after every event",
                        _ => "at the end of the run",
                    };
                    reader.error(
                        &w.origin,
                        format!(
                            "`{}` is judged {when}; `within` is for eventually-properties",
                            property.name
                        ),
                    );
                }
                checks.push(Check { property, within });
            }
        }
    }
    for entry in fields.rest() {
        let known: Vec<&str> = info.properties.iter().map(|p| p.name).collect();
        reader.report(
            Diagnostic::at(
                &entry.key_origin,
                format!(
                    "pattern `{}` has no property `{}`: its properties are {}",
                    info.name,
                    entry.key,
                    known.join(", ")
                ),
            )
            .maybe_did_you_mean(closest(&entry.key, known.iter().copied())),
        );
    }
    checks
}

pub(super) fn read_expect(
    reader: &mut Reader<'_>,
    item: &Item,
    info: &PatternInfo,
    checks: &[Check],
) -> Option<&'static PropertySpec> {
    let mut fields = Fields::new(reader, item, "[expect]")?;
    let violation = fields.required(reader, "violation");
    fields.finish(reader);
    let violation = violation?;
    let names: Vec<&'static str> = info.properties.iter().map(|p| p.name).collect();
    let name = reader.choice(violation, "property", &names)?;
    if !checks.iter().any(|c| c.property.name == name) {
        reader.error(
            &violation.origin,
            format!("`{name}` is expected to be violated, but [checks] does not check it"),
        );
        return None;
    }
    info.properties.iter().find(|p| p.name == name)
}
