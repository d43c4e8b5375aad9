//! Amazon EBS volumes attached to tasks: a task definition volume with `configuredAtLaunch`
//! gets an EBS volume, one per task, from the `volumeConfigurations` of CreateService,
//! UpdateService, RunTask or StartTask.
//!
//! What the scenario holds, verbatim: `services[].volumeConfigurations` (ServiceVolumeConfiguration
//! with `managedEBSVolume`), `runTasks[].volumeConfigurations` (TaskVolumeConfiguration, with
//! `terminationPolicy`), and `ebsSnapshots[]`: EC2 describe-snapshots entries (`SnapshotId`,
//! `VolumeSize`) that `snapshotId` restores from.
//!
//! The rules, with their sources:
//! - At most one EBS volume per task, a new one; its `name` is the task definition's volume
//!   with `configuredAtLaunch` (one per revision) [EBSV], [VOL].
//! - `roleArn`, the infrastructure role, is required; ECS assumes it (`ecs.amazonaws.com`) to
//!   create, attach, detach and delete the volume (`AmazonECSInfrastructureRolePolicyForVolumes`)
//!   [ROLE]. When it cannot: "ECS was unable to assume the configured ECS Infrastructure Role
//!   …" and the task stops [TRBS].
//! - A size or a snapshot (the size defaults to the snapshot's, and may be larger); sizes,
//!   IOPS and throughput by volume type; IOPS required for `io1` and `io2`, 3,000 by default
//!   for `gp3`, refused for the others; throughput for `gp3` only; `volumeInitializationRate`
//!   with a snapshot only; `filesystemType` `ext3`, `ext4` or `xfs` (default) on Linux, `ntfs`
//!   on Windows; `standard` not on Fargate; tags at most 48, not `AmazonECSCreated` or
//!   `AmazonECSManaged` [SMEV], [TMEV], [CONF].
//! - Services: REPLICA only, the ECS deployment controller only; a changed configuration is a
//!   new deployment, `[]` removes it; service volumes are always deleted with their task;
//!   a standalone task's `terminationPolicy.deleteOnTermination` (default true) may keep it
//!   [EBSV], [US], [CONF], but not one that failed to attach [TRB].
//! - Fargate platform version 1.4.0 or later on Linux; EC2 Nitro instances; not ECS Anywhere
//!   [EBSV].
//! - DescribeTasks lists an `AmazonElasticBlockStorage` attachment (CREATED, ATTACHING,
//!   ATTACHED, DETACHING, DETACHED, DELETED) with `roleArn`, `volumeName`, `volumeId` and
//!   `deleteOnTermination`; FAILED with a `statusReason` when ECS cannot set it up [ATT].
//!
//! Where AWS is silent, the playground's choices (each marked [unconfirmed] where it is used):
//! the default `volumeType` is `gp2`, EC2 CreateVolume's; a task definition volume configured
//! at launch without a `volumeConfigurations` entry is refused; the volume is created in the
//! task's Availability Zone and attached while the task is PROVISIONING
//! (`options.ebs.attachSeconds`, 10 s), and detached and deleted while it is DEPROVISIONING
//! (`options.ebs.detachSeconds`, 10 s); EC2 instances advertise the attribute
//! `ecs.capability.ebs-task-attach` when they are Nitro-based, and a task with a volume needs
//! it; `io2` allows 1,000 IOPS per GiB (Block Express); prices are us-east-1's list prices.
//!
//! Sources:
//! - [EBSV] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ebs-volumes.html>
//! - [CONF] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/configure-ebs-volume.html>
//! - [ROLE] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html>
//! - [TRB] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/troubleshoot-ebs-volumes.html>
//! - [TRBS] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/troubleshoot-ebs-volumes-scenarios.html>
//! - [SMEV] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceManagedEBSVolumeConfiguration.html>
//! - [TMEV] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskManagedEBSVolumeConfiguration.html>
//! - [VOL] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Volume.html>
//! - [US] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html>
//! - [ATT] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Attachment.html>
//! - [PRICE] <https://aws.amazon.com/ebs/pricing/> (us-east-1)

use std::rc::Rc;

use serde_json::{json, Value};

use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::task_definition::ValidTaskDefinition;
use crate::time::SimTime;

/// The attribute a Nitro-based EC2 container instance advertises, and a task with an EBS
/// volume needs [unconfirmed: the agent's capability name].
pub const EBS_CAPABILITY: &str = "ecs.capability.ebs-task-attach";

/// Hours in the month EBS prices are quoted per.
const HOURS_PER_MONTH: f64 = 730.0;

/// Choices where AWS does not say how long a volume takes (`options.ebs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EbsOptions {
    /// [unconfirmed] Creating and attaching a volume, added to PROVISIONING, in milliseconds.
    pub attach_ms: u64,
    /// [unconfirmed] Detaching (and deleting) it, added to DEPROVISIONING, in milliseconds.
    pub detach_ms: u64,
}

impl Default for EbsOptions {
    fn default() -> Self {
        EbsOptions {
            attach_ms: 10_000,
            detach_ms: 10_000,
        }
    }
}

impl crate::json_shape::FromJson for EbsOptions {
    fn from_json(
        value: &Value,
        at: crate::json_shape::At<'_>,
    ) -> Result<Self, crate::json_shape::ShapeError> {
        let m = crate::json_shape::Members::of(value, at, "struct EbsOptions")?;
        m.deny_unknown(&["attachSeconds", "detachSeconds"]);
        let d = EbsOptions::default();
        let mut built = d;
        for (key, slot) in [
            ("attachSeconds", &mut built.attach_ms),
            ("detachSeconds", &mut built.detach_ms),
        ] {
            let s: Option<f64> = m.get(key);
            match s {
                Some(s) if !(0.0..=3600.0).contains(&s) => {
                    m.refuse_member(key, format!("{key} must be 0 to 3600"));
                }
                Some(s) => *slot = crate::time::seconds_ms(s),
                None => {}
            }
        }
        m.finish(built)
    }
}

/// An EBS volume type (`volumeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeType {
    /// General Purpose SSD, `gp2`.
    Gp2,
    /// General Purpose SSD, `gp3`.
    Gp3,
    /// Provisioned IOPS SSD, `io1`.
    Io1,
    /// Provisioned IOPS SSD, `io2`.
    Io2,
    /// Throughput Optimized HDD, `st1`.
    St1,
    /// Cold HDD, `sc1`.
    Sc1,
    /// Magnetic, `standard`.
    Standard,
}

impl VolumeType {
    const ALL: [VolumeType; 7] = [
        VolumeType::Gp2,
        VolumeType::Gp3,
        VolumeType::Io1,
        VolumeType::Io2,
        VolumeType::St1,
        VolumeType::Sc1,
        VolumeType::Standard,
    ];

    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::Gp2 => "gp2",
            VolumeType::Gp3 => "gp3",
            VolumeType::Io1 => "io1",
            VolumeType::Io2 => "io2",
            VolumeType::St1 => "st1",
            VolumeType::Sc1 => "sc1",
            VolumeType::Standard => "standard",
        }
    }

    /// Sizes in GiB [SMEV].
    fn sizes(self) -> (u32, u32) {
        match self {
            VolumeType::Gp2 | VolumeType::Gp3 => (1, 16_384),
            VolumeType::Io1 | VolumeType::Io2 => (4, 16_384),
            VolumeType::St1 | VolumeType::Sc1 => (125, 16_384),
            VolumeType::Standard => (1, 1_024),
        }
    }

    /// Provisioned IOPS: the range and the most per GiB, when the type takes them [SMEV].
    fn iops(self) -> Option<(u32, u32, u32)> {
        match self {
            VolumeType::Gp3 => Some((3_000, 16_000, 500)),
            VolumeType::Io1 => Some((100, 64_000, 50)),
            VolumeType::Io2 => Some((100, 256_000, 1_000)),
            _ => None,
        }
    }

    /// USD per GiB-month [PRICE].
    fn gib_month_usd(self) -> f64 {
        match self {
            VolumeType::Gp2 => 0.10,
            VolumeType::Gp3 => 0.08,
            VolumeType::Io1 | VolumeType::Io2 => 0.125,
            VolumeType::St1 => 0.045,
            VolumeType::Sc1 => 0.015,
            VolumeType::Standard => 0.05,
        }
    }
}

/// One task's EBS volume configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeConfig {
    /// The task definition volume (`name`).
    pub name: String,
    /// `roleArn`: the infrastructure role.
    pub role_arn: String,
    /// `volumeType` (default `gp2` [unconfirmed]).
    pub volume_type: VolumeType,
    /// `sizeInGiB`, or the snapshot's size.
    pub size_gib: u32,
    /// `iops` (gp3: 3,000 by default).
    pub iops: Option<u32>,
    /// `throughput`, MiB/s (gp3: 125 by default).
    pub throughput: Option<u32>,
    /// `snapshotId`.
    pub snapshot_id: Option<String>,
    /// `filesystemType` (default `xfs`).
    pub filesystem: String,
    /// Whether the volume is deleted when the task stops (always for a service's tasks).
    pub delete_on_termination: bool,
    /// The `volumeConfigurations` entry as given, which DescribeServices echoes.
    pub request: Value,
}

impl VolumeConfig {
    /// What the volume costs per hour: storage, and the IOPS and throughput provisioned above
    /// gp3's free 3,000 and 125 MiB/s, or io1's IOPS, or io2's IOPS by tier [PRICE].
    pub fn usd_per_hour(&self) -> f64 {
        let storage = f64::from(self.size_gib) * self.volume_type.gib_month_usd();
        let iops = f64::from(self.iops.unwrap_or(0));
        let performance = match self.volume_type {
            VolumeType::Gp3 => {
                (iops - 3_000.0).max(0.0) * 0.005
                    + (f64::from(self.throughput.unwrap_or(125)) - 125.0).max(0.0) * 0.04
            }
            VolumeType::Io1 => iops * 0.065,
            // io2's tiers: up to 32,000 IOPS, to 64,000, and above.
            VolumeType::Io2 => {
                iops.min(32_000.0) * 0.065
                    + (iops.min(64_000.0) - 32_000.0).max(0.0) * 0.046
                    + (iops - 64_000.0).max(0.0) * 0.032
            }
            _ => 0.0,
        };
        (storage + performance) / HOURS_PER_MONTH
    }

    /// Whether `other` creates the same volume, however its request is written (a default
    /// spelled out is the same configuration: UpdateService deploys only when "this
    /// configuration differs from the existing one" [US]).
    pub fn same_volume(&self, other: &VolumeConfig) -> bool {
        let without_request = |c: &VolumeConfig| VolumeConfig {
            request: Value::Null,
            ..c.clone()
        };
        // The members the run does not model are compared as given.
        let unmodelled = |c: &VolumeConfig, key: &str| {
            c.request
                .pointer(&format!("/managedEBSVolume/{key}"))
                .cloned()
        };
        without_request(self) == without_request(other)
            && [
                "encrypted",
                "kmsKeyId",
                "tagSpecifications",
                "volumeInitializationRate",
            ]
            .iter()
            .all(|k| unmodelled(self, k) == unmodelled(other, k))
    }

    /// `gp3, 20 GiB, 3000 IOPS`.
    pub fn describe(&self) -> String {
        let mut out = format!("{}, {} GiB", self.volume_type.as_str(), self.size_gib);
        if let Some(i) = self.iops {
            out.push_str(&format!(", {i} IOPS"));
        }
        if let Some(t) = self.throughput {
            out.push_str(&format!(", {t} MiB/s"));
        }
        if let Some(s) = &self.snapshot_id {
            out.push_str(&format!(", from {s}"));
        }
        out
    }
}

/// The snapshots volumes restore from (`ebsSnapshots[]`): id and size in GiB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EbsSnapshots {
    /// (`SnapshotId`, `VolumeSize`).
    pub list: Vec<(String, u32)>,
}

impl EbsSnapshots {
    /// Parses `ebsSnapshots[]`: describe-snapshots entries (`SnapshotId`, `VolumeSize`).
    pub fn parse(items: &[Value]) -> Result<EbsSnapshots, String> {
        let mut out = EbsSnapshots::default();
        for (i, v) in items.iter().enumerate() {
            let path = format!("ebsSnapshots[{i}]");
            let id = v
                .get("SnapshotId")
                .and_then(Value::as_str)
                .filter(|s| s.starts_with("snap-"))
                .ok_or_else(|| format!("{path}.SnapshotId: required, snap-…"))?;
            let size = v
                .get("VolumeSize")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (1..=65_536).contains(n))
                .ok_or_else(|| format!("{path}.VolumeSize: required, GiB (1 to 65536)"))?;
            out.list.push((id.to_string(), size));
        }
        Ok(out)
    }

    fn size_of(&self, id: &str) -> Option<u32> {
        self.list.iter().find(|(s, _)| s == id).map(|(_, n)| *n)
    }
}

/// Facts about the request a volume configuration belongs to that its rules depend on.
#[derive(Debug, Clone, Copy)]
pub struct VolumeFacts<'a> {
    /// A service's (`ServiceManagedEBSVolumeConfiguration`), not a standalone task's.
    pub service: bool,
    /// A DAEMON service.
    pub daemon: bool,
    /// `deploymentController.type`, when given.
    pub controller: Option<&'a str>,
    /// The tasks run on Fargate.
    pub fargate: bool,
    /// `launchType: EXTERNAL`.
    pub external: bool,
    /// `platformVersion`, when given.
    pub platform_version: Option<&'a str>,
}

/// Reads a number member of `m` at `path`, within `range`.
fn number(m: &Value, key: &str, path: &str, range: (u32, u32)) -> Result<Option<u32>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (range.0..=range.1).contains(n))
            .map(Some)
            .ok_or_else(|| format!("{path}.{key}: {v} is not {} to {}", range.0, range.1)),
    }
}

/// Reads `volumeConfigurations` of a CreateService, UpdateService, RunTask or StartTask
/// request for tasks of `td`: `None` when the task definition has no volume configured at
/// launch and the request none either. Errors name the member.
pub fn parse(
    raw: &Value,
    td: &ValidTaskDefinition,
    facts: VolumeFacts<'_>,
    snapshots: &EbsSnapshots,
) -> Result<Option<VolumeConfig>, String> {
    const AT: &str = "volumeConfigurations";
    let at_launch = td
        .input
        .volumes
        .iter()
        .find(|v| v.configured_at_launch == Some(true))
        .and_then(|v| v.name.clone());
    let list = match raw.get(AT) {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(l)) => l.as_slice(),
        Some(_) => {
            return Err(format!(
                "{AT}: must be a list of {{name, managedEBSVolume}}"
            ))
        }
    };
    let Some(v) = list.first() else {
        return match at_launch {
            // [unconfirmed] ECS's refusal of a volume configured at launch left unconfigured.
            Some(name) => Err(format!("{AT}: task definition {} has volume {name} configured at launch (configuredAtLaunch); give its volumeConfigurations entry, with managedEBSVolume", td.family)),
            None => Ok(None),
        };
    };
    if list.len() > 1 {
        return Err(format!(
            "{AT}: You can attach at most one Amazon EBS volume to each Amazon ECS task"
        ));
    }
    if let Some(c @ ("CODE_DEPLOY" | "EXTERNAL")) = facts.controller {
        return Err(format!("{AT}: To use Amazon EBS volumes with Amazon ECS services, the deployment controller must be ECS, not {c}"));
    }
    if facts.daemon {
        return Err(format!(
            "{AT}: volumeConfigurations is only supported for REPLICA service and not DAEMON service."
        ));
    }
    if facts.external {
        return Err(format!(
            "{AT}: Amazon EBS volumes are not supported for the EXTERNAL launch type (ECS Anywhere)"
        ));
    }
    let windows = td.is_windows();
    if facts.fargate {
        if windows {
            return Err(format!(
                "{AT}: Amazon EBS volumes are not supported for Windows tasks on Fargate"
            ));
        }
        if let Some(pv) = facts.platform_version.filter(|p| *p != "LATEST") {
            let parts: Vec<u32> = pv.split('.').filter_map(|x| x.parse().ok()).collect();
            if parts.as_slice() < [1, 4, 0].as_slice() {
                return Err(format!("{AT}: Amazon EBS volumes are supported on platform version 1.4.0 or later; the tasks use {pv}"));
            }
        }
    }
    let path = format!("{AT}[0]");
    let name = v.get("name").and_then(Value::as_str).ok_or_else(|| {
        format!("{path}.name: required: the task definition volume configured at launch")
    })?;
    match &at_launch {
        Some(n) if n == name => {}
        Some(n) => return Err(format!("{path}.name: {name} is not the volume configured at launch in task definition {}; its volume {n} is", td.family)),
        None => return Err(format!("{path}.name: task definition {} has no volume {name} with configuredAtLaunch true", td.family)),
    }
    let m = v.get("managedEBSVolume").filter(|m| m.is_object()).ok_or_else(|| {
        format!("{path}.managedEBSVolume: required (the only volume configured at deployment is an Amazon EBS volume)")
    })?;
    let path = format!("{path}.managedEBSVolume");
    let role_arn = m
        .get("roleArn")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("{path}.roleArn: required: the ARN of the Amazon ECS infrastructure IAM role (ecsInfrastructureRole)"))?;
    let volume_type = match m.get("volumeType").and_then(Value::as_str) {
        None => VolumeType::Gp2,
        Some(t) => VolumeType::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| {
                format!(
                    "{path}.volumeType: \"{t}\" is not gp2, gp3, io1, io2, st1, sc1 or standard"
                )
            })?,
    };
    if facts.fargate && volume_type == VolumeType::Standard {
        return Err(format!("{path}.volumeType: The magnetic (standard) Amazon EBS volume type is not supported for tasks hosted on Fargate."));
    }
    let snapshot_id = m
        .get("snapshotId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let sizes = volume_type.sizes();
    let given_size = number(m, "sizeInGiB", &path, (0, u32::MAX))?;
    let size_gib = match (&snapshot_id, given_size) {
        (None, None) => {
            return Err(format!(
                "{path}.sizeInGiB: You must specify either a volume size or a snapshot ID"
            ))
        }
        (Some(s), size) => {
            let snap = snapshots.size_of(s);
            match (snap, size) {
                (Some(snap), Some(n)) if n < snap => {
                    return Err(format!("{path}.sizeInGiB: {n} GiB is smaller than snapshot {s} ({snap} GiB): give a size greater than or equal to the snapshot size"))
                }
                (_, Some(n)) => n,
                (Some(snap), None) => snap,
                (None, None) => {
                    return Err(format!("{path}.snapshotId: the playground does not know {s}'s size: add it to ebsSnapshots[] (describe-snapshots output) or give sizeInGiB"))
                }
            }
        }
        (None, Some(n)) => n,
    };
    if !(sizes.0..=sizes.1).contains(&size_gib) {
        return Err(format!(
            "{path}.sizeInGiB: {size_gib} GiB is outside {}'s {} to {} GiB",
            volume_type.as_str(),
            sizes.0,
            sizes.1
        ));
    }
    if m.get("volumeInitializationRate")
        .is_some_and(|r| !r.is_null())
    {
        if snapshot_id.is_none() {
            return Err(format!("{path}.volumeInitializationRate: This property can be specified only if you specify a snapshotId"));
        }
        number(m, "volumeInitializationRate", &path, (100, 300))?;
    }
    let iops = match (volume_type.iops(), number(m, "iops", &path, (0, u32::MAX))?) {
        (None, Some(_)) => {
            return Err(format!(
                "{path}.iops: not supported for the {} volume type",
                volume_type.as_str()
            ))
        }
        (None, None) => None,
        (Some((min, max, per_gib)), given) => {
            let n = match given {
                Some(n) => n,
                None if volume_type == VolumeType::Gp3 => 3_000,
                None => {
                    return Err(format!(
                        "{path}.iops: required for the {} volume type",
                        volume_type.as_str()
                    ))
                }
            };
            if !(min..=max).contains(&n) {
                return Err(format!(
                    "{path}.iops: {n} is outside {}'s {min} to {max} IOPS",
                    volume_type.as_str()
                ));
            }
            if given.is_some() && u64::from(n) > u64::from(per_gib) * u64::from(size_gib) {
                return Err(format!(
                    "{path}.iops: {n} IOPS for {size_gib} GiB is more than {per_gib} IOPS per GiB"
                ));
            }
            Some(n)
        }
    };
    let throughput = match (volume_type, number(m, "throughput", &path, (125, 1_000))?) {
        (VolumeType::Gp3, Some(t)) => {
            if f64::from(t) > 0.25 * f64::from(iops.unwrap_or(3_000)) {
                return Err(format!(
                    "{path}.throughput: {t} MiB/s is more than 0.25 MiB/s per provisioned IOPS"
                ));
            }
            Some(t)
        }
        (VolumeType::Gp3, None) => Some(125),
        (_, Some(_)) => {
            return Err(format!(
                "{path}.throughput: This parameter is only supported for the gp3 volume type."
            ))
        }
        (_, None) => None,
    };
    let filesystem = match m.get("filesystemType").and_then(Value::as_str) {
        None if windows => "ntfs".to_string(),
        None => "xfs".to_string(),
        Some(f @ ("ext3" | "ext4" | "xfs")) if !windows => f.to_string(),
        Some(f) if windows && f.eq_ignore_ascii_case("ntfs") => "ntfs".to_string(),
        Some(f) => {
            return Err(format!(
                "{path}.filesystemType: \"{f}\" is not {}",
                if windows {
                    "NTFS (Windows)"
                } else {
                    "ext3, ext4 or xfs (Linux)"
                }
            ))
        }
    };
    for (i, spec) in m
        .get("tagSpecifications")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{path}.tagSpecifications[{i}]");
        if spec.get("resourceType").and_then(Value::as_str) != Some("volume") {
            return Err(format!("{at}.resourceType: You must specify a volume resource type to tag Amazon EBS volumes"));
        }
        let tags = spec
            .get("tags")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if tags.len() > 48 {
            return Err(format!("{at}.tags: at most 48 (a volume holds 50 tags, and Amazon ECS adds AmazonECSCreated and AmazonECSManaged)"));
        }
        if let Some(k) = tags
            .iter()
            .filter_map(|t| t.get("key").and_then(Value::as_str))
            .find(|k| matches!(*k, "AmazonECSCreated" | "AmazonECSManaged"))
        {
            return Err(format!(
                "{at}.tags: {k} is a reserved tag that can't be used"
            ));
        }
    }
    let delete_on_termination = match m.pointer("/terminationPolicy/deleteOnTermination") {
        Some(_) if facts.service => {
            return Err(format!("{path}.terminationPolicy: volumes of a service's tasks are always deleted with the task; terminationPolicy is for standalone tasks (RunTask, StartTask)"))
        }
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(format!("{path}.terminationPolicy.deleteOnTermination: must be true or false")),
        None => true,
    };
    Ok(Some(VolumeConfig {
        name: name.to_string(),
        role_arn: role_arn.to_string(),
        volume_type,
        size_gib,
        iops,
        throughput,
        snapshot_id,
        filesystem,
        delete_on_termination,
        request: v.clone(),
    }))
}

/// One EBS volume of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct EbsVolume {
    /// `vol-` and 17 hexadecimal digits, from the task id.
    pub id: String,
    /// The task it is attached to (index).
    pub task: usize,
    /// Its configuration.
    pub config: Rc<VolumeConfig>,
    /// Its Availability Zone: the task's.
    pub availability_zone: String,
    /// When it was created.
    pub created_at: SimTime,
    /// When it was deleted, if it was.
    pub deleted_at: Option<SimTime>,
    /// Why ECS could not set it up, if it could not: the attachment is FAILED with this
    /// `statusReason` [ATT], [TRBS].
    pub status_reason: Option<String>,
    /// Its tags besides `AmazonECSCreated` and `AmazonECSManaged`.
    pub tags: Vec<crate::tags::Tag>,
}

/// The run's EBS volumes.
#[derive(Debug, Clone, Default)]
pub struct EbsState {
    /// Every volume created, in creation order.
    pub volumes: Vec<EbsVolume>,
}

impl EbsState {
    /// The volume of task `t`, if it has one.
    pub fn of_task(&self, t: usize) -> Option<&EbsVolume> {
        self.volumes.iter().rev().find(|v| v.task == t)
    }
}

impl Simulation {
    /// Makes deployment `d`'s volume configuration service `s`'s again, in the service and
    /// in its stored request: a rollback brings back the whole service revision.
    pub(crate) fn restore_volume(&mut self, s: usize, d: usize) {
        let volume = self.services[s].deployments[d].volume.clone();
        let svc = &mut self.services[s];
        svc.set_request_member(
            "volumeConfigurations",
            volume.as_ref().map(|v| json!([v.request])),
        );
        svc.volume = volume;
    }

    /// The run's EBS volumes.
    pub fn ebs_volumes(&self) -> &[EbsVolume] {
        &self.ebs.volumes
    }

    /// Creates task `t`'s volume, when it has one: ECS creates it in the task's zone and
    /// attaches it while the task is PROVISIONING. Returns how long that adds.
    pub(crate) fn create_task_volume(&mut self, t: usize) -> u64 {
        let Some(config) = self.tasks[t].volume.clone() else {
            return 0;
        };
        let task = &self.tasks[t];
        let zone = self.cluster.instances[task.reservation.slot]
            .availability_zone
            .clone();
        let id = format!("vol-0{}", &task.id[..16]);
        let msg = format!(
            "created EBS volume {id} ({}) in {zone} for task {} (volume {}); attaching",
            config.describe(),
            task.id,
            config.name
        );
        let task_id = task.id.clone();
        let tags = self.volume_tags(t, &config);
        self.ebs.volumes.push(EbsVolume {
            id,
            task: t,
            config,
            availability_zone: zone,
            created_at: self.now(),
            deleted_at: None,
            status_reason: None,
            tags,
        });
        self.log
            .push(self.now(), EventKind::Resource, msg)
            .task(&task_id);
        self.scenario.options.ebs.attach_ms
    }

    /// The tags of task `t`'s volume besides the two ECS always adds: the managed tags of
    /// `enableECSManagedTags` ("aws:ecs:clusterName and aws:ecs:serviceName" [CONF]), then
    /// each `tagSpecifications` entry's tags and those its `propagateTags` copies from the
    /// service or the task definition.
    fn volume_tags(&self, t: usize, config: &VolumeConfig) -> Vec<crate::tags::Tag> {
        let task = &self.tasks[t];
        let service = task.service.map(|s| &self.services[s]);
        let request = service.map_or(&config.request, |s| &s.request);
        let mut out =
            crate::tags::managed_tags(request, &task.cluster, service.map(|s| s.name.as_str()));
        let specs = config
            .request
            .pointer("/managedEBSVolume/tagSpecifications")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for spec in specs {
            let mut add = crate::tags::parse_tags(spec).unwrap_or_default();
            match spec.get("propagateTags").and_then(Value::as_str) {
                Some("SERVICE") => {
                    add.extend(
                        service
                            .map(|s| crate::tags::parse_tags(&s.request).unwrap_or_default())
                            .unwrap_or_default(),
                    );
                }
                Some("TASK_DEFINITION") => {
                    add.extend(task.td.input.tags.iter().filter_map(|x| {
                        Some((x.key.clone()?, x.value.clone().unwrap_or_default()))
                    }))
                }
                _ => {}
            }
            for (k, v) in add {
                if !out.iter().any(|(x, _)| *x == k) {
                    out.push((k, v));
                }
            }
        }
        out
    }

    /// Why task `t`'s volume cannot be set up: ECS cannot assume its infrastructure role, or
    /// the role may not create volumes (10.4, [TRBS]). The volume's attachment is then FAILED
    /// with that reason.
    pub(crate) fn ebs_failure(&mut self, t: usize) -> Option<String> {
        let config = self.tasks[t].volume.as_ref()?;
        let iam = &self.scenario.iam;
        let role = &config.role_arn;
        let usable = iam.assumable(role, "ecs.amazonaws.com")
            && iam.check(Some(role), "ec2:CreateVolume", "*").is_allowed()
            && iam.check(Some(role), "ec2:AttachVolume", "*").is_allowed();
        if usable {
            return None;
        }
        let reason = format!("ECS was unable to assume the configured ECS Infrastructure Role '{role}'. Please verify that the role being passed has the proper trust relationship with Amazon ECS");
        if let Some(v) = self.ebs.volumes.iter_mut().rev().find(|v| v.task == t) {
            v.status_reason = Some(reason.clone());
        }
        Some(reason)
    }

    /// How long detaching task `t`'s volume adds to DEPROVISIONING.
    pub(crate) fn volume_detach_ms(&self, t: usize) -> u64 {
        if self.tasks[t].volume.is_some() {
            self.scenario.options.ebs.detach_ms
        } else {
            0
        }
    }

    /// Task `t` is STOPPED: its volume is detached, and deleted unless a standalone task's
    /// `deleteOnTermination` is false; a volume ECS could not set up is deleted [TRB].
    pub(crate) fn release_task_volume(&mut self, t: usize) {
        let now = self.now();
        let Some(v) = self
            .ebs
            .volumes
            .iter_mut()
            .rev()
            .find(|v| v.task == t && v.deleted_at.is_none())
        else {
            return;
        };
        let msg = if v.config.delete_on_termination || v.status_reason.is_some() {
            v.deleted_at = Some(now);
            format!("deleted EBS volume {} of task {}", v.id, self.tasks[t].id)
        } else {
            format!(
                "detached EBS volume {} of task {}; kept (terminationPolicy.deleteOnTermination false), available and billed",
                v.id, self.tasks[t].id
            )
        };
        let id = self.tasks[t].id.clone();
        self.log.push(now, EventKind::Resource, msg).task(&id);
    }

    /// What the volumes that exist now cost per hour: 0.0 without any (a float `sum` of
    /// nothing is -0.0, which the run output would print).
    pub(crate) fn ebs_usd_per_hour(&self) -> f64 {
        self.ebs
            .volumes
            .iter()
            .filter(|v| v.deleted_at.is_none())
            .fold(0.0, |total, v| total + v.config.usd_per_hour())
    }

    /// DescribeTasks' `AmazonElasticBlockStorage` attachment of task `t`, if it has a volume
    /// [ATT].
    pub(crate) fn volume_attachment_json(&self, t: usize) -> Option<Value> {
        let v = self.ebs.of_task(t)?;
        let status = match (self.tasks[t].last_status, v.deleted_at) {
            _ if v.status_reason.is_some() => "FAILED",
            // RunTask's and StartTask's responses show CREATED [CLI examples], then it attaches.
            (TaskStatus::Provisioning, _) if self.now() == v.created_at => "CREATED",
            (TaskStatus::Provisioning, _) => "ATTACHING",
            (TaskStatus::Stopped, Some(_)) => "DELETED",
            (TaskStatus::Stopped, None) => "DETACHED",
            // The containers may still use it while STOPPING; it detaches in DEPROVISIONING.
            (TaskStatus::Deprovisioning, _) => "DETACHING",
            _ => "ATTACHED",
        };
        let mut details = vec![
            json!({"name": "roleArn", "value": v.config.role_arn}),
            json!({"name": "volumeName", "value": v.config.name}),
            json!({"name": "volumeId", "value": v.id}),
            json!({"name": "deleteOnTermination", "value": v.config.delete_on_termination.to_string()}),
        ];
        if let Some(reason) = &v.status_reason {
            details.push(json!({"name": "statusReason", "value": reason}));
        }
        Some(json!({
            "id": format!("{}-ebs", v.id),
            "type": "AmazonElasticBlockStorage",
            "status": status,
            "details": details,
        }))
    }

    /// Volume `v`'s state in EC2's words: creating (its task PROVISIONING), in-use, available
    /// (kept after its task), deleted.
    pub fn volume_state(&self, v: &EbsVolume) -> &'static str {
        match (self.tasks[v.task].last_status, v.deleted_at) {
            (_, Some(_)) => "deleted",
            (TaskStatus::Provisioning, _) => "creating",
            (TaskStatus::Stopped, None) => "available",
            _ => "in-use",
        }
    }

    /// Service `s`'s volume in words (`EBS volume data per task: gp3, 100 GiB`), when it
    /// has one.
    pub fn volume_summary(&self, s: usize) -> Option<String> {
        let v = self.services[s].volume.as_deref()?;
        Some(format!("EBS volume {} per task: {}", v.name, v.describe()))
    }

    /// Every volume as EC2 DescribeVolumes shows it, for the run output.
    pub fn ebs_volumes_json(&self) -> Value {
        Value::Array(
            self.ebs
                .volumes
                .iter()
                .map(|v| {
                    let task = &self.tasks[v.task];
                    let state = self.volume_state(v);
                    let c = &v.config;
                    let tags: Vec<Value> = [
                        json!({"Key": "AmazonECSCreated", "Value": task.arn}),
                        json!({"Key": "AmazonECSManaged", "Value": "true"}),
                    ]
                    .into_iter()
                    .chain(v.tags.iter().map(|(k, val)| json!({"Key": k, "Value": val})))
                    .collect();
                    let mut out = json!({
                        "VolumeId": v.id,
                        "Size": c.size_gib,
                        "VolumeType": c.volume_type.as_str(),
                        "AvailabilityZone": v.availability_zone,
                        "State": state,
                        "Encrypted": c.request.pointer("/managedEBSVolume/encrypted").and_then(Value::as_bool).unwrap_or(false),
                        "Tags": tags,
                        "Attachments": if state == "in-use" { json!([{"VolumeId": v.id, "State": "attached"}]) } else { json!([]) },
                        "UsdPerHour": crate::traffic::round6(c.usd_per_hour()),
                    });
                    if let Some(i) = c.iops {
                        out["Iops"] = json!(i);
                    }
                    if let Some(t) = c.throughput {
                        out["Throughput"] = json!(t);
                    }
                    if let Some(s) = &c.snapshot_id {
                        out["SnapshotId"] = json!(s);
                    }
                    out
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ecs_deployment_controller_and_replica_services_take_volumes() {
        // EBSV: "the deployment controller must be ECS"; US: "only supported for REPLICA
        // service and not DAEMON service".
        let (_, _, td) = crate::task_definition::check_task_definition(
            r#"{"family": "db", "volumes": [{"name": "data", "configuredAtLaunch": true}],
                "containerDefinitions": [{"name": "db", "image": "postgres", "memory": 512}]}"#,
        )
        .unwrap();
        let raw = json!({"volumeConfigurations": [{"name": "data", "managedEBSVolume": {"roleArn": "r", "sizeInGiB": 10}}]});
        let facts = |controller, daemon| VolumeFacts {
            service: true,
            daemon,
            controller,
            fargate: false,
            external: false,
            platform_version: None,
        };
        let snapshots = EbsSnapshots::default();
        assert!(parse(&raw, &td, facts(Some("ECS"), false), &snapshots)
            .unwrap()
            .is_some());
        for (f, want) in [
            (
                facts(Some("CODE_DEPLOY"), false),
                "the deployment controller must be ECS, not CODE_DEPLOY",
            ),
            (
                facts(Some("EXTERNAL"), false),
                "the deployment controller must be ECS, not EXTERNAL",
            ),
            (
                facts(None, true),
                "only supported for REPLICA service and not DAEMON service",
            ),
        ] {
            let e = parse(&raw, &td, f, &snapshots).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn gp3_prices_only_what_is_above_its_free_baseline() {
        let config = |iops, throughput| VolumeConfig {
            name: "data".into(),
            role_arn: "r".into(),
            volume_type: VolumeType::Gp3,
            size_gib: 100,
            iops: Some(iops),
            throughput: Some(throughput),
            snapshot_id: None,
            filesystem: "xfs".into(),
            delete_on_termination: true,
            request: Value::Null,
        };
        let base = config(3_000, 125).usd_per_hour();
        assert!((base * HOURS_PER_MONTH - 8.0).abs() < 1e-9);
        let more = config(4_000, 250).usd_per_hour() * HOURS_PER_MONTH;
        assert!((more - (8.0 + 1_000.0 * 0.005 + 125.0 * 0.04)).abs() < 1e-9);
    }

    #[test]
    fn io2_iops_are_priced_by_tier() {
        // PRICE: io2 IOPS cost $0.065 up to 32,000, $0.046 from 32,000 to 64,000 and $0.032
        // above; io1's are $0.065 each.
        let config = |volume_type, iops| VolumeConfig {
            name: "data".into(),
            role_arn: "r".into(),
            volume_type,
            size_gib: 200,
            iops: Some(iops),
            throughput: None,
            snapshot_id: None,
            filesystem: "xfs".into(),
            delete_on_termination: true,
            request: Value::Null,
        };
        let month = |v: VolumeType, iops| config(v, iops).usd_per_hour() * HOURS_PER_MONTH;
        let storage = 200.0 * 0.125;
        for (iops, want) in [
            (10_000, 10_000.0 * 0.065),
            (32_000, 32_000.0 * 0.065),
            (50_000, 32_000.0 * 0.065 + 18_000.0 * 0.046),
            (
                100_000,
                32_000.0 * 0.065 + 32_000.0 * 0.046 + 36_000.0 * 0.032,
            ),
        ] {
            let got = month(VolumeType::Io2, iops) - storage;
            assert!((got - want).abs() < 1e-6, "{iops}: {got} != {want}");
        }
        let io1 = month(VolumeType::Io1, 50_000) - storage;
        assert!((io1 - 50_000.0 * 0.065).abs() < 1e-6);
    }
}
