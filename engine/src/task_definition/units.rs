//! Task-level `cpu` and `memory` strings (1.1) and the Fargate size table (1.4).

/// Parses task `cpu`: units (`"1024"`) or vCPUs (`"1 vCPU"`, `".25 vcpu"`), into units.
pub fn parse_task_cpu(s: &str) -> Option<u32> {
    parse_with_unit(s, &["vcpu"], 1024.0)
}

/// Parses task `memory`: MiB (`"2048"`) or GB (`"2 GB"`, `"1GB"`, `".5 gb"`), into MiB.
pub fn parse_task_memory(s: &str) -> Option<u32> {
    parse_with_unit(s, &["gb", "gib"], 1024.0)
}

fn parse_with_unit(s: &str, units: &[&str], scale: f64) -> Option<u32> {
    let t = s.trim().to_ascii_lowercase();
    if let Ok(n) = t.parse::<u32>() {
        return Some(n);
    }
    let number = units.iter().find_map(|u| t.strip_suffix(u))?.trim();
    let v: f64 = number.parse().ok()?;
    let scaled = (v * scale).round();
    (v.is_finite() && v > 0.0 && scaled <= f64::from(u32::MAX)).then_some(scaled as u32)
}

/// Whether (`cpu` units, `memory` MiB) is a legal Fargate size (1.4, G1).
pub fn fargate_pair_is_valid(cpu: u32, memory: u32) -> bool {
    let steps = |from: u32, to: u32, step: u32| {
        memory >= from && memory <= to && (memory - from).is_multiple_of(step)
    };
    match cpu {
        256 => matches!(memory, 512 | 1024 | 2048),
        512 => matches!(memory, 1024 | 2048 | 3072 | 4096),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122_880, 8192),
        _ => false,
    }
}
