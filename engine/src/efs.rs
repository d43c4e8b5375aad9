//! Amazon EFS volumes (1.9): file systems, mount targets, and data that outlives tasks.
//!
//! `fileSystems[]` holds CreateFileSystem requests (`CreationToken`; the playground also takes
//! the `FileSystemId` the response would carry, else derives one from the token) and
//! `mountTargets[]` CreateMountTarget requests (`FileSystemId`, `SubnetId`: one per
//! Availability Zone). A task definition's `volumes[].efsVolumeConfiguration` is checked at
//! registration (transit encryption with IAM authorization or an access point; no
//! `rootDirectory` with an access point) and containers mount it through `mountPoints`.
//!
//! When a task starts (EC2 or Fargate), each EFS volume needs a declared file system with a
//! mount target in the task's zone, and with `authorizationConfig.iam: ENABLED` (and IAM
//! simulated) a task role allowed `elasticfilesystem:ClientMount`; otherwise the task stops
//! with `ResourceInitializationError` / `TaskFailedToStart`. A task that mounts a file system
//! read-write adds one to the file system's counter and logs it, so a replacement task reads
//! what its predecessor left; without `elasticfilesystem:ClientWrite` the mount is read-only
//! and the write fails (logged), the task keeps running. The checks apply only when the
//! scenario declares `fileSystems` (IAM's apart).
//!
//! S3 is object storage: a `s3filesVolumeConfiguration` volume is refused at registration
//! (the playground does not simulate S3 Files mounts).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::registry::{ACCOUNT, REGION};
use crate::sim::Simulation;
use crate::task_definition::TaskDefinitionInput;

/// A file system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSystem {
    /// `fs-...`.
    pub id: String,
    /// `CreationToken`, if given.
    pub creation_token: Option<String>,
    /// Mount targets: (subnet, Availability Zone).
    pub mount_targets: Vec<(String, String)>,
    /// The data tasks leave: how many read-write mounts wrote to it.
    pub counter: u64,
}

impl FileSystem {
    /// `arn:aws:elasticfilesystem:region:account:file-system/fs-...`.
    pub fn arn(&self) -> String {
        file_system_arn(&self.id)
    }
}

fn file_system_arn(id: &str) -> String {
    format!("arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{id}")
}

fn id_ok(id: &str) -> bool {
    id.strip_prefix("fs-")
        .is_some_and(|h| (8..=40).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The scenario's file systems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Efs {
    /// File systems, in scenario order.
    pub file_systems: Vec<FileSystem>,
}

impl Efs {
    /// Parses `fileSystems[]` and `mountTargets[]`; subnets resolve to zones through
    /// `subnet_zones`.
    pub fn parse(
        file_systems: &[Value],
        mount_targets: &[Value],
        subnet_zones: &BTreeMap<String, String>,
    ) -> Result<Efs, String> {
        let mut efs = Efs::default();
        for (i, v) in file_systems.iter().enumerate() {
            let path = format!("fileSystems[{i}]");
            let token = v
                .get("CreationToken")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let id = match (v.get("FileSystemId"), &token) {
                (Some(id), _) => {
                    let id = id.as_str().filter(|id| id_ok(id)).ok_or_else(|| {
                        format!("{path}.FileSystemId: must look like fs-0123456789abcdef0")
                    })?;
                    id.to_string()
                }
                (None, Some(t)) => {
                    use sha2::Digest;
                    let d = sha2::Sha256::digest(t.as_bytes());
                    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
                    format!("fs-{}", &hex[..17])
                }
                (None, None) => {
                    return Err(format!(
                        "{path}.CreationToken: required (or the FileSystemId to use)"
                    ))
                }
            };
            if efs.file_systems.iter().any(|f| f.id == id) {
                return Err(format!("{path}: file system {id} is declared twice"));
            }
            efs.file_systems.push(FileSystem {
                id,
                creation_token: token,
                mount_targets: Vec::new(),
                counter: 0,
            });
        }
        for (i, v) in mount_targets.iter().enumerate() {
            let path = format!("mountTargets[{i}]");
            let fs_id = v
                .get("FileSystemId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.FileSystemId: required"))?;
            let fs = efs
                .file_systems
                .iter_mut()
                .find(|f| f.id == fs_id)
                .ok_or_else(|| format!("{path}.FileSystemId: {fs_id} is not in fileSystems"))?;
            let subnet = v
                .get("SubnetId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.SubnetId: required"))?;
            let az = subnet_zones.get(subnet).ok_or_else(|| {
                format!("{path}.SubnetId: unknown subnet {subnet}; declare it in subnets[] with its availabilityZone")
            })?;
            if fs.mount_targets.iter().any(|(_, z)| z == az) {
                return Err(format!(
                    "{path}.SubnetId: MountTargetConflict: {fs_id} already has a mount target in {az}"
                ));
            }
            fs.mount_targets.push((subnet.to_string(), az.clone()));
        }
        Ok(efs)
    }

    /// Whether the scenario declares file systems (mounts are checked only then).
    pub fn is_declared(&self) -> bool {
        !self.file_systems.is_empty()
    }
}

/// Registration checks of task definition volumes (1.9): one configuration per volume, the
/// EFS rules, no S3 mounts, and mount points that name a volume. Returns (path, message).
pub fn check_volumes(input: &TaskDefinitionInput) -> Vec<(String, String)> {
    let mut errs = Vec::new();
    for (i, v) in input.volumes.iter().enumerate() {
        let at = |f: &str| format!("volumes[{i}].{f}");
        if v.s3files_volume_configuration.is_some() {
            errs.push((at("s3filesVolumeConfiguration"), "The playground does not simulate S3 Files volumes: S3 is object storage; read objects with the S3 API (task role), or share files through efsVolumeConfiguration.".to_string()));
        }
        let kinds = [
            v.host.is_some(),
            v.docker_volume_configuration.is_some(),
            v.efs_volume_configuration.is_some(),
            v.fsx_windows_file_server_volume_configuration.is_some(),
            v.s3files_volume_configuration.is_some(),
            v.configured_at_launch == Some(true),
        ];
        if kinds.iter().filter(|k| **k).count() > 1 {
            errs.push((format!("volumes[{i}]"), "A volume takes only one of host, dockerVolumeConfiguration, efsVolumeConfiguration, fsxWindowsFileServerVolumeConfiguration, s3filesVolumeConfiguration or configuredAtLaunch.".to_string()));
        }
        let Some(efs) = &v.efs_volume_configuration else {
            continue;
        };
        if efs.file_system_id.as_deref().is_none_or(str::is_empty) {
            errs.push((
                at("efsVolumeConfiguration.fileSystemId"),
                "fileSystemId is required.".to_string(),
            ));
        }
        let encryption = efs.transit_encryption.as_deref().unwrap_or("DISABLED");
        if !["ENABLED", "DISABLED"].contains(&encryption) {
            errs.push((
                at("efsVolumeConfiguration.transitEncryption"),
                format!("Invalid transitEncryption \"{encryption}\"; valid values are ENABLED, DISABLED."),
            ));
        }
        let auth = efs.authorization_config.as_ref();
        let iam = auth.and_then(|a| a.iam.as_deref()).unwrap_or("DISABLED");
        if !["ENABLED", "DISABLED"].contains(&iam) {
            errs.push((
                at("efsVolumeConfiguration.authorizationConfig.iam"),
                format!("Invalid iam \"{iam}\"; valid values are ENABLED, DISABLED."),
            ));
        }
        let access_point = auth.and_then(|a| a.access_point_id.as_deref());
        if (iam == "ENABLED" || access_point.is_some()) && encryption != "ENABLED" {
            errs.push((
                at("efsVolumeConfiguration.transitEncryption"),
                "Transit encryption must be ENABLED when IAM authorization or an access point is used.".to_string(),
            ));
        }
        if access_point.is_some() && efs.root_directory.as_deref().is_some_and(|r| r != "/") {
            errs.push((
                at("efsVolumeConfiguration.rootDirectory"),
                "With an access point, rootDirectory must be omitted or \"/\"; the access point sets the directory.".to_string(),
            ));
        }
    }
    for (i, c) in input.container_definitions.iter().enumerate() {
        for (j, m) in c.mount_points.iter().enumerate() {
            let source = m.source_volume.as_deref().unwrap_or("");
            if !input
                .volumes
                .iter()
                .any(|v| v.name.as_deref() == Some(source))
            {
                errs.push((
                    format!("containerDefinitions[{i}].mountPoints[{j}].sourceVolume"),
                    format!("sourceVolume \"{source}\" is not a volume of the task definition."),
                ));
            }
        }
    }
    errs
}

/// One EFS volume of a task as it mounts: the file system, whether IAM authorization is on,
/// and the containers that mount it with their paths and read-only flags.
struct EfsMount {
    file_system_id: String,
    iam: bool,
    mounts: Vec<(String, String, bool)>,
}

impl Simulation {
    fn efs_mounts(&self, t: usize) -> Vec<EfsMount> {
        let input = &self.tasks[t].td.input;
        input
            .volumes
            .iter()
            .filter_map(|v| {
                let efs = v.efs_volume_configuration.as_ref()?;
                let name = v.name.as_deref().unwrap_or("");
                let mounts = input
                    .container_definitions
                    .iter()
                    .flat_map(|c| {
                        c.mount_points
                            .iter()
                            .filter(|m| m.source_volume.as_deref() == Some(name))
                            .map(|m| {
                                (
                                    c.name.clone().unwrap_or_default(),
                                    m.container_path.clone().unwrap_or_default(),
                                    m.read_only == Some(true),
                                )
                            })
                    })
                    .collect();
                Some(EfsMount {
                    file_system_id: efs.file_system_id.clone().unwrap_or_default(),
                    iam: efs
                        .authorization_config
                        .as_ref()
                        .and_then(|a| a.iam.as_deref())
                        == Some("ENABLED"),
                    mounts,
                })
            })
            .collect()
    }

    /// Why task `t`'s EFS volumes cannot be mounted, if they cannot.
    pub(crate) fn efs_failure(&self, t: usize) -> Option<String> {
        let host = &self.cluster.instances[self.tasks[t].reservation.slot];
        let role = self.tasks[t].td.input.task_role_arn.as_deref();
        let prefix =
            "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr:";
        self.efs_mounts(t).into_iter().find_map(|m| {
            let id = &m.file_system_id;
            if self.efs.is_declared() {
                let has_target = self.efs.file_systems.iter().find(|f| &f.id == id).map(|f| {
                    f.mount_targets
                        .iter()
                        .any(|(_, az)| *az == host.availability_zone)
                });
                if has_target != Some(true) {
                    return Some(format!("{prefix} Failed to resolve \"{id}.efs.{REGION}.amazonaws.com\" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID in {}", host.availability_zone));
                }
            }
            if m.iam
                && !self
                    .scenario
                    .iam
                    .check(role, "elasticfilesystem:ClientMount", &file_system_arn(id))
                    .is_allowed()
            {
                return Some(format!(
                    "{prefix} b'mount.nfs4: access denied by server while mounting 127.0.0.1:/'"
                ));
            }
            None
        })
    }

    /// Task `t` has started: each read-write mount of a declared file system adds one to its
    /// counter (needs `elasticfilesystem:ClientWrite` with IAM authorization); each mount is
    /// logged in the container's log.
    pub(crate) fn write_file_systems(&mut self, t: usize) {
        let role = self.tasks[t].td.input.task_role_arn.clone();
        for m in self.efs_mounts(t) {
            let Some(f) = self
                .efs
                .file_systems
                .iter()
                .position(|f| f.id == m.file_system_id)
            else {
                continue;
            };
            let writes = m.mounts.iter().any(|(_, _, ro)| !ro);
            let allowed = !m.iam
                || self
                    .scenario
                    .iam
                    .check(
                        role.as_deref(),
                        "elasticfilesystem:ClientWrite",
                        &self.efs.file_systems[f].arn(),
                    )
                    .is_allowed();
            let before = self.efs.file_systems[f].counter;
            let id = m.file_system_id.clone();
            for (container, path, read_only) in &m.mounts {
                let line = if *read_only || !writes {
                    format!("mounted {id} read-only at {path}: counter is {before}")
                } else if allowed {
                    format!(
                        "mounted {id} at {path}: counter was {before}, wrote {}",
                        before + 1
                    )
                } else {
                    format!("mounted {id} at {path}: writing the counter failed: Read-only file system (the task role lacks elasticfilesystem:ClientWrite); counter stays {before}")
                };
                self.app_log(t, Some(container), &line);
            }
            if writes && allowed {
                self.efs.file_systems[f].counter += 1;
                let task_id = self.tasks[t].id.clone();
                self.log
                    .push(
                        self.now(),
                        crate::event_log::EventKind::Resource,
                        format!("task {task_id} wrote to EFS {id}: counter {}", before + 1),
                    )
                    .task(&task_id);
            }
        }
    }

    /// The EFS file systems and the data tasks left on them.
    pub fn file_systems(&self) -> &[FileSystem] {
        &self.efs.file_systems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn zones() -> BTreeMap<String, String> {
        [("subnet-a", "us-east-1a"), ("subnet-b", "us-east-1b")]
            .into_iter()
            .map(|(s, z)| (s.to_string(), z.to_string()))
            .collect()
    }

    #[test]
    fn file_systems_and_mount_targets_parse_and_name_the_field() {
        let efs = Efs::parse(
            &[
                json!({"CreationToken": "data"}),
                json!({"FileSystemId": "fs-0123456789abcdef0"}),
            ],
            &[json!({"FileSystemId": "fs-0123456789abcdef0", "SubnetId": "subnet-a"})],
            &zones(),
        )
        .unwrap();
        assert!(id_ok(&efs.file_systems[0].id), "{}", efs.file_systems[0].id);
        assert_eq!(
            efs.file_systems[1].mount_targets,
            vec![("subnet-a".to_string(), "us-east-1a".to_string())]
        );
        for (fs, mt, want) in [
            (json!({}), json!([]), "fileSystems[0].CreationToken"),
            (
                json!({"FileSystemId": "efs-1"}),
                json!([]),
                "fileSystems[0].FileSystemId",
            ),
            (
                json!({"CreationToken": "x"}),
                json!([{"FileSystemId": "fs-00000000", "SubnetId": "subnet-a"}]),
                "mountTargets[0].FileSystemId",
            ),
            (
                json!({"FileSystemId": "fs-00000000"}),
                json!([{"FileSystemId": "fs-00000000", "SubnetId": "subnet-z"}]),
                "mountTargets[0].SubnetId",
            ),
            (
                json!({"FileSystemId": "fs-00000000"}),
                json!([{"FileSystemId": "fs-00000000", "SubnetId": "subnet-a"}, {"FileSystemId": "fs-00000000", "SubnetId": "subnet-a"}]),
                "mountTargets[1].SubnetId",
            ),
        ] {
            let e = Efs::parse(&[fs], mt.as_array().unwrap(), &zones()).unwrap_err();
            assert!(e.starts_with(&format!("{want}: ")), "{want}: {e}");
        }
    }

    fn volumes(td: Value) -> Vec<String> {
        let input = crate::task_definition::parse_task_definition_value(&td)
            .unwrap()
            .input;
        check_volumes(&input).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn volume_rules_of_1_9_at_registration() {
        let td = |vol: Value, mount: &str| {
            json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "memory": 64,
                "mountPoints": [{"sourceVolume": mount, "containerPath": "/data"}]}], "volumes": [vol]})
        };
        assert!(volumes(td(
            json!({"name": "d", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}),
            "d"
        ))
        .is_empty());
        assert_eq!(
            volumes(td(
                json!({"name": "d", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "authorizationConfig": {"iam": "ENABLED"}}}),
                "d"
            )),
            vec!["volumes[0].efsVolumeConfiguration.transitEncryption"]
        );
        assert_eq!(
            volumes(td(
                json!({"name": "d", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED", "rootDirectory": "/app", "authorizationConfig": {"accessPointId": "fsap-1"}}}),
                "d"
            )),
            vec!["volumes[0].efsVolumeConfiguration.rootDirectory"]
        );
        assert_eq!(
            volumes(td(json!({"name": "d", "efsVolumeConfiguration": {}}), "e")),
            vec![
                "volumes[0].efsVolumeConfiguration.fileSystemId",
                "containerDefinitions[0].mountPoints[0].sourceVolume"
            ]
        );
        assert_eq!(
            volumes(td(
                json!({"name": "d", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3:::bucket"}}),
                "d"
            )),
            vec!["volumes[0].s3filesVolumeConfiguration"]
        );
    }
}
