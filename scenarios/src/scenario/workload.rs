//! `[workload]`: how many requests, how they arrive, what they ask for.

use crate::catalog::PatternInfo;
use crate::file::document::{Item, Value};
use crate::file::reader::{Fields, Reader};
use crate::workload::{Arrival, ArrivalProcess, KeyDistribution, Keys, Workload};

pub(super) fn read_workload(
    reader: &mut Reader<'_>,
    item: Option<&Item>,
    info: &PatternInfo,
) -> Option<Workload> {
    let item = item?;
    let support = info.workload?;
    let mut fields = Fields::new(reader, item, "[workload]")?;
    let clients = fields.optional("clients").and_then(|c| {
        let max = support.max_clients.map_or(1_000_000, u64::from);
        reader.count(c, 1, max).map(|c| c as u32)
    });
    let requests = fields.required(reader, "requests").and_then(|r| reader.count(r, 0, 1_000_000_000));
    let arrival_item = fields.optional("arrival");
    let rate_item = fields.optional("rate");
    let mut options = Vec::new();
    if support.closed_loop {
        options.push("closed");
    }
    if support.open_loop {
        options.extend(["poisson", "periodic"]);
    }
    let arrival = match arrival_item {
        Some(a) => reader.choice(a, "arrival", &options),
        None => Some(options[0]),
    };
    let arrival = match arrival {
        Some("closed") => {
            if let Some(r) = rate_item {
                reader.error(&r.origin, "a closed loop has no rate: each client waits for its answer");
            }
            Some(Arrival::Closed)
        }
        Some(process) => {
            let process =
                if process == "poisson" { ArrivalProcess::Poisson } else { ArrivalProcess::Periodic };
            match rate_item {
                Some(r) => read_rate(reader, r).map(|rate_per_sec| Arrival::Open { rate_per_sec, process }),
                None => {
                    reader.error(fields.origin(), "an open-loop workload needs a `rate`, such as \"100/s\"");
                    None
                }
            }
        }
        None => None,
    };
    let mix = match fields.optional("mix") {
        Some(m) => read_mix(reader, m, support.operations),
        None => {
            let n = support.operations.len() as f64;
            support.operations.iter().map(|op| (*op, 1.0 / n)).collect()
        }
    };
    let keys_item = fields.optional("keys");
    let keys = match keys_item {
        Some(k) if !support.keys => {
            reader.error(&k.origin, format!("pattern `{}`'s requests have no keys", info.name));
            None
        }
        Some(k) => read_keys(reader, k),
        None if support.keys => Some(Keys { count: 100, distribution: KeyDistribution::Uniform }),
        None => None,
    };
    fields.finish(reader);
    Some(Workload { clients, requests: requests?, arrival: arrival?, mix, keys })
}

/// A rate: requests per second as a number, or text such as `"200/s"`.
pub(super) fn read_rate(reader: &mut Reader<'_>, item: &Item) -> Option<f64> {
    let rate = match &item.value {
        Value::String(text) => {
            let per = |suffix: &str, scale: f64| {
                text.trim().strip_suffix(suffix).and_then(|n| n.trim().parse::<f64>().ok()).map(|n| n * scale)
            };
            per("/s", 1.0).or_else(|| per("/ms", 1000.0)).or_else(|| per("/min", 1.0 / 60.0))
        }
        Value::Integer(_) | Value::Float(_) => reader.number(item),
        _ => None,
    };
    match rate {
        Some(r) if r.is_finite() && r > 0.0 && r <= 1e9 => Some(r),
        _ => {
            reader.error(
                &item.origin,
                "expected a rate above zero and at most 1e9/s, such as \"200/s\", \"5/ms\" or \"60/min\"",
            );
            None
        }
    }
}

pub(super) fn read_mix(
    reader: &mut Reader<'_>,
    item: &Item,
    operations: &'static [&'static str],
) -> Vec<(&'static str, f64)> {
    let Some(mut fields) = Fields::new(reader, item, "the workload `mix`") else { return Vec::new() };
    if operations.is_empty() {
        reader.error(&item.origin, "this pattern's requests have no kinds to mix");
        fields.rest();
        return Vec::new();
    }
    let mut mix = Vec::new();
    for op in operations {
        if let Some(weight_item) = fields.optional(op)
            && let Some(w) = reader.number(weight_item)
        {
            if w < 0.0 {
                reader.error(&weight_item.origin, format!("the weight of `{op}` is negative"));
            } else if w > 0.0 {
                mix.push((*op, w));
            }
        }
    }
    fields.finish(reader);
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        reader.error(
            &item.origin,
            format!("the mix needs a positive weight for one of {}", operations.join(", ")),
        );
        return Vec::new();
    }
    mix.into_iter().map(|(op, w)| (op, w / total)).collect()
}

pub(super) fn read_keys(reader: &mut Reader<'_>, item: &Item) -> Option<Keys> {
    let mut fields = Fields::new(reader, item, "the workload `keys`")?;
    let count = fields.required(reader, "count").and_then(|c| reader.count(c, 1, 1 << 40));
    let distribution = match fields.optional("distribution") {
        Some(d) => reader.choice(d, "key distribution", &["uniform", "zipf"]),
        None => Some("uniform"),
    };
    let exponent_item = fields.optional("exponent");
    let distribution = match distribution {
        Some("zipf") => {
            let exponent = match exponent_item {
                Some(e) => reader.number(e).filter(|x| {
                    let ok = *x >= 0.0 && *x <= 10.0;
                    if !ok {
                        reader.error(&e.origin, "a Zipf exponent is from 0 to 10 (1 is classic Zipf)");
                    }
                    ok
                }),
                None => Some(1.0),
            };
            exponent.map(|exponent| KeyDistribution::Zipf { exponent })
        }
        Some(_) => {
            if let Some(e) = exponent_item {
                reader.error(&e.origin, "`exponent` is for the `zipf` distribution");
            }
            Some(KeyDistribution::Uniform)
        }
        None => None,
    };
    fields.finish(reader);
    Some(Keys { count: count?, distribution: distribution? })
}
