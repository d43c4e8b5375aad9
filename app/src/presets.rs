//! The preset scenarios of `public/scenarios/`, built into the app so they work offline.

/// (file stem, JSON text), in the order the picker shows them.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "example",
        include_str!("../../public/scenarios/example.json"),
    ),
    (
        "binpack-vs-spread",
        include_str!("../../public/scenarios/binpack-vs-spread.json"),
    ),
    (
        "spread-az-then-binpack",
        include_str!("../../public/scenarios/spread-az-then-binpack.json"),
    ),
    (
        "distinct-instance",
        include_str!("../../public/scenarios/distinct-instance.json"),
    ),
    (
        "member-of",
        include_str!("../../public/scenarios/member-of.json"),
    ),
    (
        "static-vs-dynamic-ports",
        include_str!("../../public/scenarios/static-vs-dynamic-ports.json"),
    ),
    (
        "eni-limits-awsvpc",
        include_str!("../../public/scenarios/eni-limits-awsvpc.json"),
    ),
    (
        "rolling-deployment",
        include_str!("../../public/scenarios/rolling-deployment.json"),
    ),
    (
        "instance-draining",
        include_str!("../../public/scenarios/instance-draining.json"),
    ),
    (
        "target-tracking-alb",
        include_str!("../../public/scenarios/target-tracking-alb.json"),
    ),
    (
        "alb-request-count-per-target",
        include_str!("../../public/scenarios/alb-request-count-per-target.json"),
    ),
    (
        "step-scaling",
        include_str!("../../public/scenarios/step-scaling.json"),
    ),
    (
        "scheduled-scaling",
        include_str!("../../public/scenarios/scheduled-scaling.json"),
    ),
    (
        "sqs-worker-backlog",
        include_str!("../../public/scenarios/sqs-worker-backlog.json"),
    ),
    (
        "oom-kill",
        include_str!("../../public/scenarios/oom-kill.json"),
    ),
    (
        "circuit-breaker",
        include_str!("../../public/scenarios/circuit-breaker.json"),
    ),
    (
        "ecs-cluster-mistake",
        include_str!("../../public/scenarios/ecs-cluster-mistake.json"),
    ),
    (
        "capacity-provider-from-zero",
        include_str!("../../public/scenarios/capacity-provider-from-zero.json"),
    ),
    (
        "fargate-vs-ec2-cost",
        include_str!("../../public/scenarios/fargate-vs-ec2-cost.json"),
    ),
    (
        "fargate-spot-base-weight",
        include_str!("../../public/scenarios/fargate-spot-base-weight.json"),
    ),
    (
        "ec2-spot-draining",
        include_str!("../../public/scenarios/ec2-spot-draining.json"),
    ),
];

/// The JSON of a preset by file stem.
pub fn find(stem: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(s, _)| *s == stem)
        .map(|(_, json)| *json)
}
