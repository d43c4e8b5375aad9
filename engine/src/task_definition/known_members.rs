//! Member names of every structure shape of RegisterTaskDefinition, generated from
//! `shared/corpus/register-task-definition-shape.json` (botocore 1.43.11). Used to report
//! unknown keys with their path instead of silently dropping them.

/// A member name and, when the member is a structure or a list of structures, its shape.
pub type Member = (&'static str, Option<&'static str>);

/// Every structure shape with its members.
pub const SHAPES: &[(&str, &[Member])] = &[
    (
        "RegisterTaskDefinitionRequest",
        &[
            ("family", None),
            ("taskRoleArn", None),
            ("executionRoleArn", None),
            ("networkMode", None),
            ("containerDefinitions", Some("ContainerDefinition")),
            ("volumes", Some("Volume")),
            (
                "placementConstraints",
                Some("TaskDefinitionPlacementConstraint"),
            ),
            ("requiresCompatibilities", None),
            ("cpu", None),
            ("memory", None),
            ("tags", Some("Tag")),
            ("pidMode", None),
            ("ipcMode", None),
            ("proxyConfiguration", Some("ProxyConfiguration")),
            ("inferenceAccelerators", Some("InferenceAccelerator")),
            ("ephemeralStorage", Some("EphemeralStorage")),
            ("runtimePlatform", Some("RuntimePlatform")),
            ("enableFaultInjection", None),
        ],
    ),
    (
        "ContainerDefinition",
        &[
            ("name", None),
            ("image", None),
            ("repositoryCredentials", Some("RepositoryCredentials")),
            ("cpu", None),
            ("memory", None),
            ("memoryReservation", None),
            ("links", None),
            ("portMappings", Some("PortMapping")),
            ("essential", None),
            ("restartPolicy", Some("ContainerRestartPolicy")),
            ("entryPoint", None),
            ("command", None),
            ("environment", Some("KeyValuePair")),
            ("environmentFiles", Some("EnvironmentFile")),
            ("mountPoints", Some("MountPoint")),
            ("volumesFrom", Some("VolumeFrom")),
            ("linuxParameters", Some("LinuxParameters")),
            ("secrets", Some("Secret")),
            ("dependsOn", Some("ContainerDependency")),
            ("startTimeout", None),
            ("stopTimeout", None),
            ("versionConsistency", None),
            ("hostname", None),
            ("user", None),
            ("workingDirectory", None),
            ("disableNetworking", None),
            ("privileged", None),
            ("readonlyRootFilesystem", None),
            ("dnsServers", None),
            ("dnsSearchDomains", None),
            ("extraHosts", Some("HostEntry")),
            ("dockerSecurityOptions", None),
            ("interactive", None),
            ("pseudoTerminal", None),
            ("dockerLabels", None),
            ("ulimits", Some("Ulimit")),
            ("logConfiguration", Some("LogConfiguration")),
            ("healthCheck", Some("HealthCheck")),
            ("systemControls", Some("SystemControl")),
            ("resourceRequirements", Some("ResourceRequirement")),
            ("firelensConfiguration", Some("FirelensConfiguration")),
            ("credentialSpecs", None),
        ],
    ),
    ("RepositoryCredentials", &[("credentialsParameter", None)]),
    (
        "PortMapping",
        &[
            ("containerPort", None),
            ("hostPort", None),
            ("protocol", None),
            ("name", None),
            ("appProtocol", None),
            ("containerPortRange", None),
        ],
    ),
    (
        "ContainerRestartPolicy",
        &[
            ("enabled", None),
            ("ignoredExitCodes", None),
            ("restartAttemptPeriod", None),
        ],
    ),
    ("KeyValuePair", &[("name", None), ("value", None)]),
    ("EnvironmentFile", &[("value", None), ("type", None)]),
    (
        "MountPoint",
        &[
            ("sourceVolume", None),
            ("containerPath", None),
            ("readOnly", None),
        ],
    ),
    (
        "VolumeFrom",
        &[("sourceContainer", None), ("readOnly", None)],
    ),
    (
        "LinuxParameters",
        &[
            ("capabilities", Some("KernelCapabilities")),
            ("devices", Some("Device")),
            ("initProcessEnabled", None),
            ("sharedMemorySize", None),
            ("tmpfs", Some("Tmpfs")),
            ("maxSwap", None),
            ("swappiness", None),
        ],
    ),
    ("KernelCapabilities", &[("add", None), ("drop", None)]),
    (
        "Device",
        &[
            ("hostPath", None),
            ("containerPath", None),
            ("permissions", None),
        ],
    ),
    (
        "Tmpfs",
        &[
            ("containerPath", None),
            ("size", None),
            ("mountOptions", None),
        ],
    ),
    ("Secret", &[("name", None), ("valueFrom", None)]),
    (
        "ContainerDependency",
        &[("containerName", None), ("condition", None)],
    ),
    ("HostEntry", &[("hostname", None), ("ipAddress", None)]),
    (
        "Ulimit",
        &[("name", None), ("softLimit", None), ("hardLimit", None)],
    ),
    (
        "LogConfiguration",
        &[
            ("logDriver", None),
            ("options", None),
            ("secretOptions", Some("Secret")),
        ],
    ),
    (
        "HealthCheck",
        &[
            ("command", None),
            ("interval", None),
            ("timeout", None),
            ("retries", None),
            ("startPeriod", None),
        ],
    ),
    ("SystemControl", &[("namespace", None), ("value", None)]),
    ("ResourceRequirement", &[("value", None), ("type", None)]),
    (
        "FirelensConfiguration",
        &[("type", None), ("options", None)],
    ),
    (
        "Volume",
        &[
            ("name", None),
            ("host", Some("HostVolumeProperties")),
            (
                "dockerVolumeConfiguration",
                Some("DockerVolumeConfiguration"),
            ),
            ("efsVolumeConfiguration", Some("EFSVolumeConfiguration")),
            (
                "s3filesVolumeConfiguration",
                Some("S3FilesVolumeConfiguration"),
            ),
            (
                "fsxWindowsFileServerVolumeConfiguration",
                Some("FSxWindowsFileServerVolumeConfiguration"),
            ),
            ("configuredAtLaunch", None),
        ],
    ),
    ("HostVolumeProperties", &[("sourcePath", None)]),
    (
        "DockerVolumeConfiguration",
        &[
            ("scope", None),
            ("autoprovision", None),
            ("driver", None),
            ("driverOpts", None),
            ("labels", None),
        ],
    ),
    (
        "EFSVolumeConfiguration",
        &[
            ("fileSystemId", None),
            ("rootDirectory", None),
            ("transitEncryption", None),
            ("transitEncryptionPort", None),
            ("authorizationConfig", Some("EFSAuthorizationConfig")),
        ],
    ),
    (
        "EFSAuthorizationConfig",
        &[("accessPointId", None), ("iam", None)],
    ),
    (
        "S3FilesVolumeConfiguration",
        &[
            ("fileSystemArn", None),
            ("rootDirectory", None),
            ("transitEncryptionPort", None),
            ("accessPointArn", None),
        ],
    ),
    (
        "FSxWindowsFileServerVolumeConfiguration",
        &[
            ("fileSystemId", None),
            ("rootDirectory", None),
            (
                "authorizationConfig",
                Some("FSxWindowsFileServerAuthorizationConfig"),
            ),
        ],
    ),
    (
        "FSxWindowsFileServerAuthorizationConfig",
        &[("credentialsParameter", None), ("domain", None)],
    ),
    (
        "TaskDefinitionPlacementConstraint",
        &[("type", None), ("expression", None)],
    ),
    ("Tag", &[("key", None), ("value", None)]),
    (
        "ProxyConfiguration",
        &[
            ("type", None),
            ("containerName", None),
            ("properties", Some("KeyValuePair")),
        ],
    ),
    (
        "InferenceAccelerator",
        &[("deviceName", None), ("deviceType", None)],
    ),
    ("EphemeralStorage", &[("sizeInGiB", None)]),
    (
        "RuntimePlatform",
        &[("cpuArchitecture", None), ("operatingSystemFamily", None)],
    ),
];

/// Read-only members of describe-task-definition output, ignored on input.
pub const READ_ONLY: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "deregisteredAt",
    "deleteRequestedAt",
    "registeredBy",
];
