//! The EC2 instance type catalogue: vCPU, memory, architecture, ENI limits, GPUs and prices.
//!
//! Prices are us-east-1 Linux on-demand list prices as of 2025, and a typical recent Spot
//! price (Spot varies hourly; these are representative, not live). Sources are in
//! [`SOURCES`]; the full table with its date is `docs/INSTANCE_TYPES.md`.
//!
//! Registered memory (2.2): the agent registers the OS-reported memory, always below the
//! advertised size. AWS documents three values (m4.large 7985 MiB, c4.large 3768 MiB,
//! c4.4xlarge 30158 MiB), used as given. For every other type we estimate it as the
//! advertised MiB minus 2 % (the three documented points lose 1.8 % to 2.5 %): [unconfirmed].

/// CPU architecture, as the `ecs.cpu-architecture` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Intel and AMD.
    X86_64,
    /// Graviton.
    Arm64,
}

impl Architecture {
    /// The attribute value: `x86_64` or `arm64`.
    pub fn as_attribute(&self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// One EC2 instance type.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    /// `m5.large`.
    pub name: &'static str,
    /// vCPUs.
    pub vcpu: u32,
    /// Advertised memory in MiB (GiB × 1024).
    pub memory_mib: u32,
    /// Memory the ECS agent registers, in MiB (2.2).
    pub registered_memory_mib: u32,
    /// CPU architecture.
    pub architecture: Architecture,
    /// Network interfaces per instance.
    pub max_enis: u32,
    /// awsvpc tasks without trunking: the ENIs minus the primary (2.4).
    pub awsvpc_tasks_without_trunking: u32,
    /// awsvpc tasks with ENI trunking, from the ECS table; `None` when unsupported.
    pub awsvpc_tasks_with_trunking: Option<u32>,
    /// GPUs.
    pub gpus: u32,
    /// On-demand price, USD per hour.
    pub on_demand_usd_per_hour: f64,
    /// A typical Spot price, USD per hour.
    pub spot_usd_per_hour: f64,
}

impl InstanceType {
    /// CPU units registered: vCPU × 1024 (2.2).
    pub fn cpu_units(&self) -> u32 {
        self.vcpu * 1024
    }

    /// Whether it is built on the AWS Nitro System (every type of the catalogue but the Xen
    /// ones: c4, m4, p3, t2): EBS volumes attach to ECS tasks only there
    /// ([`crate::ebs_volume`]).
    pub fn nitro(&self) -> bool {
        let family = self.name.split('.').next().unwrap_or_default();
        !matches!(family, "c4" | "m4" | "p3" | "t2")
    }
}

/// The region the prices are for.
pub const PRICE_REGION: &str = "us-east-1";
/// When the prices were read.
pub const PRICE_DATE: &str =
    "2025 (on-demand list prices); Spot is a typical recent price and varies hourly";
/// Where the figures come from.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "On-demand prices",
        "https://aws.amazon.com/ec2/pricing/on-demand/",
    ),
    ("Spot prices", "https://aws.amazon.com/ec2/spot/pricing/"),
    (
        "vCPU, memory, GPUs",
        "https://docs.aws.amazon.com/ec2/latest/instancetypes/",
    ),
    (
        "ENIs per type",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html",
    ),
    (
        "ENI trunking limits",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-instance-eni.html",
    ),
    (
        "Registered memory",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html",
    ),
];

#[allow(clippy::too_many_arguments)]
const fn it(
    name: &'static str,
    vcpu: u32,
    memory_mib: u32,
    registered_memory_mib: u32,
    architecture: Architecture,
    max_enis: u32,
    awsvpc_tasks_with_trunking: Option<u32>,
    gpus: u32,
    on_demand_usd_per_hour: f64,
    spot_usd_per_hour: f64,
) -> InstanceType {
    InstanceType {
        name,
        vcpu,
        memory_mib,
        registered_memory_mib,
        architecture,
        max_enis,
        awsvpc_tasks_without_trunking: max_enis - 1,
        awsvpc_tasks_with_trunking,
        gpus,
        on_demand_usd_per_hour,
        spot_usd_per_hour,
    }
}

/// Every type, by family then size. Columns: name, vCPU, MiB, registered MiB, architecture,
/// ENIs, awsvpc tasks with trunking, GPUs, on-demand $/h, Spot $/h.
pub const CATALOGUE: &[InstanceType] = &[
    it(
        "t2.micro",
        1,
        1024,
        1004,
        Architecture::X86_64,
        2,
        None,
        0,
        0.0116,
        0.0035,
    ),
    it(
        "t2.small",
        1,
        2048,
        2007,
        Architecture::X86_64,
        3,
        None,
        0,
        0.023,
        0.0069,
    ),
    it(
        "t2.medium",
        2,
        4096,
        4014,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0464,
        0.0139,
    ),
    it(
        "t2.large",
        2,
        8192,
        8028,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0928,
        0.0278,
    ),
    it(
        "t3.micro",
        2,
        1024,
        1004,
        Architecture::X86_64,
        2,
        None,
        0,
        0.0104,
        0.0031,
    ),
    it(
        "t3.small",
        2,
        2048,
        2007,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0208,
        0.0062,
    ),
    it(
        "t3.medium",
        2,
        4096,
        4014,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0416,
        0.0125,
    ),
    it(
        "t3.large",
        2,
        8192,
        8028,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0832,
        0.0250,
    ),
    it(
        "t3.xlarge",
        4,
        16384,
        16056,
        Architecture::X86_64,
        4,
        None,
        0,
        0.1664,
        0.0499,
    ),
    it(
        "t3a.small",
        2,
        2048,
        2007,
        Architecture::X86_64,
        2,
        None,
        0,
        0.0188,
        0.0056,
    ),
    it(
        "t3a.medium",
        2,
        4096,
        4014,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0376,
        0.0113,
    ),
    it(
        "t3a.large",
        2,
        8192,
        8028,
        Architecture::X86_64,
        3,
        None,
        0,
        0.0752,
        0.0226,
    ),
    it(
        "t4g.small",
        2,
        2048,
        2007,
        Architecture::Arm64,
        3,
        None,
        0,
        0.0168,
        0.0050,
    ),
    it(
        "t4g.medium",
        2,
        4096,
        4014,
        Architecture::Arm64,
        3,
        None,
        0,
        0.0336,
        0.0101,
    ),
    it(
        "t4g.large",
        2,
        8192,
        8028,
        Architecture::Arm64,
        3,
        None,
        0,
        0.0672,
        0.0202,
    ),
    it(
        "a1.medium",
        1,
        2048,
        2007,
        Architecture::Arm64,
        2,
        Some(10),
        0,
        0.0255,
        0.0049,
    ),
    it(
        "a1.large",
        2,
        4096,
        4014,
        Architecture::Arm64,
        3,
        Some(10),
        0,
        0.051,
        0.0098,
    ),
    it(
        "m4.large",
        2,
        8192,
        7985,
        Architecture::X86_64,
        2,
        None,
        0,
        0.10,
        0.0310,
    ),
    it(
        "m4.xlarge",
        4,
        16384,
        16056,
        Architecture::X86_64,
        4,
        None,
        0,
        0.20,
        0.0620,
    ),
    it(
        "m5.large",
        2,
        8192,
        8028,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.096,
        0.0350,
    ),
    it(
        "m5.xlarge",
        4,
        16384,
        16056,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.192,
        0.0700,
    ),
    it(
        "m5.2xlarge",
        8,
        32768,
        32113,
        Architecture::X86_64,
        4,
        Some(40),
        0,
        0.384,
        0.1400,
    ),
    it(
        "m5.4xlarge",
        16,
        65536,
        64225,
        Architecture::X86_64,
        8,
        Some(60),
        0,
        0.768,
        0.2800,
    ),
    it(
        "m5.8xlarge",
        32,
        131072,
        128451,
        Architecture::X86_64,
        8,
        Some(60),
        0,
        1.536,
        0.5600,
    ),
    it(
        "m5.12xlarge",
        48,
        196608,
        192676,
        Architecture::X86_64,
        8,
        Some(60),
        0,
        2.304,
        0.8400,
    ),
    it(
        "m5.16xlarge",
        64,
        262144,
        256901,
        Architecture::X86_64,
        15,
        Some(120),
        0,
        3.072,
        1.1200,
    ),
    it(
        "m5.24xlarge",
        96,
        393216,
        385352,
        Architecture::X86_64,
        15,
        Some(120),
        0,
        4.608,
        1.6800,
    ),
    it(
        "m6i.large",
        2,
        8192,
        8028,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.096,
        0.0340,
    ),
    it(
        "m6i.xlarge",
        4,
        16384,
        16056,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.192,
        0.0680,
    ),
    it(
        "m6i.2xlarge",
        8,
        32768,
        32113,
        Architecture::X86_64,
        4,
        Some(40),
        0,
        0.384,
        0.1360,
    ),
    it(
        "m6i.4xlarge",
        16,
        65536,
        64225,
        Architecture::X86_64,
        8,
        Some(60),
        0,
        0.768,
        0.2720,
    ),
    it(
        "m6g.medium",
        1,
        4096,
        4014,
        Architecture::Arm64,
        2,
        None,
        0,
        0.0385,
        0.0140,
    ),
    it(
        "m6g.large",
        2,
        8192,
        8028,
        Architecture::Arm64,
        3,
        Some(10),
        0,
        0.077,
        0.0280,
    ),
    it(
        "m6g.xlarge",
        4,
        16384,
        16056,
        Architecture::Arm64,
        4,
        Some(20),
        0,
        0.154,
        0.0560,
    ),
    it(
        "m7g.large",
        2,
        8192,
        8028,
        Architecture::Arm64,
        3,
        Some(10),
        0,
        0.0816,
        0.0300,
    ),
    it(
        "m7g.xlarge",
        4,
        16384,
        16056,
        Architecture::Arm64,
        4,
        Some(20),
        0,
        0.1632,
        0.0600,
    ),
    it(
        "c4.large",
        2,
        3840,
        3768,
        Architecture::X86_64,
        3,
        None,
        0,
        0.10,
        0.0300,
    ),
    it(
        "c4.4xlarge",
        16,
        30720,
        30158,
        Architecture::X86_64,
        8,
        None,
        0,
        0.796,
        0.2400,
    ),
    it(
        "c5.large",
        2,
        4096,
        4014,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.085,
        0.0310,
    ),
    it(
        "c5.xlarge",
        4,
        8192,
        8028,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.17,
        0.0620,
    ),
    it(
        "c5.2xlarge",
        8,
        16384,
        16056,
        Architecture::X86_64,
        4,
        Some(40),
        0,
        0.34,
        0.1240,
    ),
    it(
        "c5.4xlarge",
        16,
        32768,
        32113,
        Architecture::X86_64,
        8,
        Some(60),
        0,
        0.68,
        0.2480,
    ),
    it(
        "c6i.large",
        2,
        4096,
        4014,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.085,
        0.0300,
    ),
    it(
        "c6i.xlarge",
        4,
        8192,
        8028,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.17,
        0.0600,
    ),
    it(
        "c6g.large",
        2,
        4096,
        4014,
        Architecture::Arm64,
        3,
        Some(10),
        0,
        0.068,
        0.0250,
    ),
    it(
        "c6g.xlarge",
        4,
        8192,
        8028,
        Architecture::Arm64,
        4,
        Some(20),
        0,
        0.136,
        0.0500,
    ),
    it(
        "c7g.large",
        2,
        4096,
        4014,
        Architecture::Arm64,
        3,
        Some(10),
        0,
        0.0725,
        0.0270,
    ),
    it(
        "c7g.xlarge",
        4,
        8192,
        8028,
        Architecture::Arm64,
        4,
        Some(20),
        0,
        0.145,
        0.0540,
    ),
    it(
        "r5.large",
        2,
        16384,
        16056,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.126,
        0.0400,
    ),
    it(
        "r5.xlarge",
        4,
        32768,
        32113,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.252,
        0.0800,
    ),
    it(
        "r6i.large",
        2,
        16384,
        16056,
        Architecture::X86_64,
        3,
        Some(10),
        0,
        0.126,
        0.0390,
    ),
    it(
        "r6i.xlarge",
        4,
        32768,
        32113,
        Architecture::X86_64,
        4,
        Some(20),
        0,
        0.252,
        0.0780,
    ),
    it(
        "g4dn.xlarge",
        4,
        16384,
        16056,
        Architecture::X86_64,
        3,
        None,
        1,
        0.526,
        0.1580,
    ),
    it(
        "g4dn.2xlarge",
        8,
        32768,
        32113,
        Architecture::X86_64,
        3,
        None,
        1,
        0.752,
        0.2260,
    ),
    it(
        "g4dn.12xlarge",
        48,
        196608,
        192676,
        Architecture::X86_64,
        8,
        None,
        4,
        3.912,
        1.1740,
    ),
    it(
        "p3.2xlarge",
        8,
        62464,
        61215,
        Architecture::X86_64,
        4,
        None,
        1,
        3.06,
        0.9180,
    ),
];

/// The stand-in "type" of a Fargate task's host: Fargate has no instance types; a task's host
/// registers exactly the task's `cpu` and `memory` and is priced per vCPU and GB
/// ([`crate::billing`]).
pub static FARGATE_HOST: InstanceType = InstanceType {
    name: "FARGATE",
    vcpu: 0,
    memory_mib: 0,
    registered_memory_mib: 0,
    architecture: Architecture::X86_64,
    max_enis: 1,
    awsvpc_tasks_without_trunking: 1,
    awsvpc_tasks_with_trunking: None,
    gpus: 0,
    on_demand_usd_per_hour: 0.0,
    spot_usd_per_hour: 0.0,
};

/// The catalogue entry for a type name (case-sensitive, as EC2 spells them).
pub fn lookup(name: &str) -> Option<&'static InstanceType> {
    CATALOGUE.iter().find(|t| t.name == name)
}

/// All type names, in catalogue order.
pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|t| t.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g4_m4_large_registers_2048_units_7985_mib() {
        let t = lookup("m4.large").unwrap();
        assert_eq!((t.cpu_units(), t.registered_memory_mib), (2048, 7985));
    }

    #[test]
    fn g5_c4_registered_resources() {
        let a = lookup("c4.large").unwrap();
        let b = lookup("c4.4xlarge").unwrap();
        assert_eq!((a.cpu_units(), a.registered_memory_mib), (2048, 3768));
        assert_eq!((b.cpu_units(), b.registered_memory_mib), (16384, 30158));
    }

    #[test]
    fn g16_eni_limits() {
        let c5 = lookup("c5.large").unwrap();
        assert_eq!(
            (
                c5.awsvpc_tasks_without_trunking,
                c5.awsvpc_tasks_with_trunking
            ),
            (2, Some(10))
        );
        let m5 = lookup("m5.xlarge").unwrap();
        assert_eq!(
            (
                m5.awsvpc_tasks_without_trunking,
                m5.awsvpc_tasks_with_trunking
            ),
            (3, Some(20))
        );
        let big = lookup("m5.16xlarge").unwrap();
        assert_eq!(
            (
                big.awsvpc_tasks_without_trunking,
                big.awsvpc_tasks_with_trunking
            ),
            (14, Some(120))
        );
        assert_eq!(
            lookup("a1.medium").unwrap().awsvpc_tasks_with_trunking,
            Some(10)
        );
    }

    #[test]
    fn catalogue_is_complete_and_consistent() {
        assert!(CATALOGUE.len() >= 48);
        for family in [
            "t2.", "t3.", "t3a.", "t4g.", "m5.", "m6i.", "m6g.", "m7g.", "c5.", "c6i.", "c6g.",
            "c7g.", "r5.", "r6i.", "g4dn.",
        ] {
            assert!(
                names().filter(|n| n.starts_with(family)).count() >= 2,
                "family {family}"
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in CATALOGUE {
            assert!(seen.insert(t.name), "duplicate {}", t.name);
            assert!(t.registered_memory_mib < t.memory_mib, "{}", t.name);
            assert!(t.spot_usd_per_hour < t.on_demand_usd_per_hour, "{}", t.name);
            assert_eq!(t.awsvpc_tasks_without_trunking, t.max_enis - 1);
        }
        assert!(lookup("M5.LARGE").is_none());
        assert_eq!(lookup("g4dn.12xlarge").unwrap().gpus, 4);
    }
}
