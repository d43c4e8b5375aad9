//! The run result, shaped like the AWS describe calls (`DescribeTasks`, `DescribeServices`,
//! `DescribeContainerInstances`), plus the event log and its digest.

use serde_json::{json, Value};

use crate::calendar::format_utc_timestamp;
use crate::sim::Simulation;
use crate::task::Task;

impl Simulation {
    /// The whole state as JSON: `tasks[]`, `services[]`, `failures[]`, `containerInstances[]`,
    /// `events[]` (the log), `digest`, `predictiveScalingForecasts[]` and `listeners[]`.
    pub fn describe(&self) -> Value {
        let mut out = json!({
            "scenario": self.scenario.name,
            "simulatedTime": crate::time::format_iso8601_duration(self.now().as_ms()),
            "tasks": (0..self.tasks.len())
                .map(|t| self.describe_task(t))
                .chain(self.provisioning_task_records().iter().map(|w| self.describe_provisioning_task(w)))
                .chain(self.stopped_provisioning.iter().map(|r| self.describe_stopped_provisioning_task(r)))
                .collect::<Vec<_>>(),
            "services": self.describe_services(),
            "failures": self.failures,
            "containerInstances": self.describe_instances(),
            "targetGroups": self.describe_target_groups(),
            "classicLoadBalancers": self.describe_instance_health(),
            // DescribeTaskDefinition's statuses: a deleted revision is gone [STATES].
            "taskDefinitions": self.revision_states().into_iter().map(|(fr, status, _)| {
                let (family, revision) = fr.rsplit_once(':').unwrap_or((fr.as_str(), "1"));
                json!({"taskDefinitionArn": crate::revisions::Revisions::arn(&fr), "family": family,
                    "revision": revision.parse::<u64>().unwrap_or(1),
                    "status": status.as_str()})
            }).collect::<Vec<_>>(),
            "scalingActivities": self.scaling.activities.iter().rev().map(|a| json!({
                "resourceId": a.resource_id,
                "description": a.description,
                "cause": a.cause,
                "startTime": self.timestamp(crate::time::SimTime(a.at_ms)),
                "statusCode": "Successful",
            })).collect::<Vec<_>>(),
            "metricAlarms": self.scaling.alarms.iter().map(|a| json!({
                "alarmName": a.name,
                "metricName": a.metric.name,
                "namespace": a.metric.namespace,
                "threshold": a.threshold,
                "stateValue": a.state.as_str(),
            })).collect::<Vec<_>>(),
            "autoScalingGroups": self.groups.iter().map(|g| json!({
                "AutoScalingGroupName": g.spec.name,
                "MinSize": g.spec.min,
                "MaxSize": g.spec.max,
                "DesiredCapacity": g.desired,
                "Instances": g.instances.iter().filter(|i| i.state != crate::auto_scaling_group::GroupInstanceState::Terminated && !i.is_warm()).map(|i| json!({
                    "InstanceId": i.id,
                    "InstanceType": i.instance_type.name,
                    "AvailabilityZone": i.availability_zone,
                    "LifecycleState": g.lifecycle_state(i),
                })).collect::<Vec<_>>(),
                // As DescribeAutoScalingGroups and DescribeWarmPool return them.
                "WarmPoolConfiguration": g.warm_pool.as_ref().map(|p| json!({
                    "MinSize": p.min_size,
                    "MaxGroupPreparedCapacity": p.max_prepared,
                    "PoolState": p.pool_state.as_str(),
                })),
                "WarmPoolSize": g.warm_pool.as_ref().map(|p| p.size(g.spec.max, g.desired)),
                "WarmPoolInstances": g.warm().map(|i| json!({
                    "InstanceId": i.id,
                    "InstanceType": i.instance_type.name,
                    "AvailabilityZone": i.availability_zone,
                    "LifecycleState": g.lifecycle_state(i),
                })).collect::<Vec<_>>(),
                "Activities": g.activities.iter().rev().map(|a| json!({
                    "Description": a.description,
                    "Cause": a.cause,
                    "StartTime": self.timestamp(a.at),
                })).collect::<Vec<_>>(),
                // As DescribeInstanceRefreshes returns them, newest first.
                "InstanceRefreshes": g.refreshes.iter().rev().map(|r| json!({
                    "InstanceRefreshId": r.id,
                    "AutoScalingGroupName": g.spec.name,
                    "Status": r.status.as_str(),
                    "StatusReason": r.status_reason,
                    "StartTime": self.timestamp(r.start_time),
                    "EndTime": r.end_time.map(|t| self.timestamp(t)),
                    "PercentageComplete": r.percentage_complete,
                    "InstancesToUpdate": r.instances_to_update(),
                    "Preferences": {
                        "MinHealthyPercentage": r.preferences.min_healthy_percentage,
                        "MaxHealthyPercentage": r.preferences.max_healthy_percentage,
                        "InstanceWarmup": r.warmup_ms / 1000,
                        "SkipMatching": r.preferences.skip_matching,
                        "ScaleInProtectedInstances": format!("{:?}", r.preferences.protected_instances),
                        "CheckpointPercentages": r.preferences.checkpoints,
                        "CheckpointDelay": r.preferences.checkpoint_delay_s,
                        "BakeTime": r.preferences.bake_time_s,
                    },
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "buckets": self.buckets.iter().map(|b| json!({
                "Name": b.name,
                "Keys": b.objects.keys().collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "dynamoDbTables": self.tables.iter().map(|t| json!({
                "TableName": t.name,
                "ItemCount": t.items,
            })).collect::<Vec<_>>(),
            "notifications": self.notifications,
            "logGroups": self.logs.groups.iter().map(|(name, g)| json!({
                "logGroupName": name,
                "retentionInDays": g.retention_in_days,
                "logStreams": g.streams.values().map(|s| json!({
                    "logStreamName": s.name,
                    "events": s.events.iter().map(|e| json!({
                        "timestamp": self.timestamp(crate::time::SimTime(e.at_ms)),
                        "message": e.message,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "fileSystems": self.file_systems().iter().map(|f| json!({
                "FileSystemId": f.id,
                "MountTargets": f.mount_targets.iter().map(|(subnet, az)| json!({"SubnetId": subnet, "AvailabilityZoneName": az})).collect::<Vec<_>>(),
                "Writes": f.counter,
            })).collect::<Vec<_>>(),
            // As CodeDeploy's GetDeployment and GetDeploymentTarget show them.
            "codeDeployDeployments": self.code_deploy_json(),
            // Cloud Map namespaces and the Service Connect endpoints with their tasks.
            "serviceConnect": self.service_connect_json(),
            // Cloud Map services with their instances (list-instances) and health.
            "serviceDiscovery": self.service_discovery_json(),
            // EBS volumes attached to tasks, as EC2 DescribeVolumes shows them.
            "ebsVolumes": self.ebs_volumes_json(),
            // ECS Exec: each ExecuteCommand call's response or error.
            "executeCommands": self.execute_commands_json(),
            "cost": {
                "ec2UsdPerHour": self.cost.ec2_usd_per_hour,
                "fargateUsdPerHour": self.cost.fargate_usd_per_hour,
                "ebsUsdPerHour": self.cost.ebs_usd_per_hour,
                "totalUsd": self.cost.total_usd,
            },
            "events": self.log.entries(),
            "timeSeries": self.series,
            "digest": self.log.digest(),
        });
        // Each predictive policy's latest forecast, as GetPredictiveScalingForecast shows it.
        out["predictiveScalingForecasts"] = Value::from(self.predictive_forecasts_json());
        // The elbv2 listeners and how they forward now, as describe-listeners shows them.
        out["listeners"] = Value::from(self.listeners_json());
        out
    }

    pub(crate) fn timestamp(&self, at: crate::time::SimTime) -> String {
        format_utc_timestamp(self.scenario.start_epoch_ms + at.as_ms() as i64)
    }

    /// The task with ID `id` in cluster `cluster`, as a call on one task (StopTask,
    /// ExecuteCommand) names it.
    pub(crate) fn task_in_cluster(&self, id: &str, cluster: &str) -> Option<usize> {
        self.tasks
            .iter()
            .position(|t| t.id == id && t.cluster == cluster)
    }

    /// The task whose ID (the last part of its ARN) is or starts with `id`, as the chips show
    /// it: its index, or why there is none.
    pub(crate) fn task_by_id(&self, id: &str) -> Result<usize, String> {
        let id = id.rsplit('/').next().unwrap_or(id);
        let mut matching =
            (0..self.tasks.len()).filter(|&t| !id.is_empty() && self.tasks[t].id.starts_with(id));
        match (matching.next(), matching.next()) {
            (Some(only), None) => Ok(only),
            (Some(_), Some(_)) => Err(format!("more than one task id starts with {id}")),
            (None, _) => Err(format!("no task {id:?} in this run")),
        }
    }

    /// The task whose ID (the last part of its ARN) is or starts with `id` as DescribeTasks
    /// returns it now: a placed task, one waiting in PROVISIONING for capacity, or one that
    /// stopped while it waited.
    pub fn describe_task_by_id(&self, id: &str) -> Result<Value, String> {
        let key = id.rsplit('/').next().unwrap_or(id);
        let matches = |task: &str| !key.is_empty() && task.starts_with(key);
        let records = self.provisioning_task_records();
        let waiting: Vec<_> = records.iter().filter(|w| matches(w.id)).collect();
        let stopped: Vec<_> = self
            .stopped_provisioning
            .iter()
            .filter(|r| matches(&r.id))
            .collect();
        let placed = self.tasks.iter().filter(|t| matches(&t.id)).count();
        match (placed, waiting.as_slice(), stopped.as_slice()) {
            (0, [w], []) => Ok(self.describe_provisioning_task(w)),
            (0, [], [r]) => Ok(self.describe_stopped_provisioning_task(r)),
            (0 | 1, [], []) => self.task_by_id(id).map(|t| self.describe_task(t)),
            _ => Err(format!("more than one task id starts with {key}")),
        }
    }

    /// A task that stopped while it waited in PROVISIONING, as DescribeTasks returns it:
    /// STOPPED, never on a container instance, with its `stopCode` and `stoppedReason`.
    pub(crate) fn describe_stopped_provisioning_task(
        &self,
        r: &crate::capacity_provider::provisioning::StoppedProvisioningTask,
    ) -> Value {
        let mut v = self.describe_provisioning_task(&r.waiting());
        let stopped = self.timestamp(r.stopped_at);
        v["lastStatus"] = json!("STOPPED");
        v["desiredStatus"] = json!("STOPPED");
        v["stoppingAt"] = json!(stopped);
        v["stoppedAt"] = json!(stopped);
        v["stopCode"] = json!(r.stop_code);
        v["stoppedReason"] = json!(r.stopped_reason);
        v["version"] = json!(2);
        if let Some(containers) = v["containers"].as_array_mut() {
            for c in containers {
                c["lastStatus"] = json!("STOPPED");
            }
        }
        v
    }

    /// A task waiting in PROVISIONING for capacity as DescribeTasks returns it: created, on no
    /// container instance yet, its containers PENDING (10.1).
    pub(crate) fn describe_provisioning_task(
        &self,
        w: &crate::capacity_provider::provisioning::ProvisioningTask,
    ) -> Value {
        let provider = &self.capacity.providers[w.provider];
        let mut v = json!({
            "taskArn": crate::task::task_arn(w.cluster, w.id),
            "taskDefinitionArn": crate::revisions::Revisions::arn(w.task_definition),
            "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, w.cluster),
            "group": w.group,
            "lastStatus": "PROVISIONING",
            "desiredStatus": "RUNNING",
            "launchType": if provider.managed_instances().is_some() { "MANAGED_INSTANCES" } else { "EC2" },
            "capacityProviderName": provider.name,
            "cpu": w.td.cpu_units.to_string(),
            "memory": w.td.memory_mib.to_string(),
            "containers": w.td.containers.iter().map(|c| json!({"name": c.name, "lastStatus": "PENDING"})).collect::<Vec<_>>(),
            "createdAt": self.timestamp(w.created_at),
            "version": 1,
        });
        if let Some(sb) = w.started_by {
            v["startedBy"] = json!(sb);
        }
        v
    }

    /// Task `index` as DescribeTasks returns it.
    pub(crate) fn describe_task(&self, index: usize) -> Value {
        let t = &self.tasks[index];
        let inst = &self.cluster.instances[t.reservation.slot];
        let eni = t.td.needs_eni.then(|| TaskEni::of(index, t, inst));
        let containers: Vec<Value> = t
            .containers
            .iter()
            .map(|c| self.describe_container(c, t))
            .chain(self.proxy_container_json(index))
            .map(|mut v| {
                // ECS Exec's agent runs in every container of a task with exec on.
                if let Some(agents) = self.managed_agents_json(index) {
                    v["managedAgents"] = agents;
                }
                if let Some(eni) = &eni {
                    v["networkInterfaces"] =
                        json!([{"attachmentId": eni.attachment_id, "privateIpv4Address": eni.ip}]);
                }
                v
            })
            .collect();
        let mut v = json!({
            "taskArn": t.arn,
            "taskDefinitionArn": t.task_definition_arn,
            "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, t.cluster),
            "group": t.group,
            "lastStatus": t.last_status.as_str(),
            "desiredStatus": t.desired_status.as_str(),
            "launchType": "EC2",
            "containerInstanceArn": inst.arn,
            "ec2InstanceId": inst.ec2_instance_id,
            "availabilityZone": inst.availability_zone,
            "cpu": t.reservation.cpu.to_string(),
            "memory": t.reservation.memory_mib.to_string(),
            "containers": containers,
            "overrides": crate::task_override::described(t.overrides.as_deref(), &t.td),
            "createdAt": self.timestamp(t.created_at),
            "healthStatus": self.task_health_status(t).as_str(),
            "version": t.version,
        });
        let obj = v.as_object_mut().expect("json! object");
        if inst.fargate {
            // A Fargate task has no container instance (1.4).
            obj.insert("launchType".into(), json!("FARGATE"));
            obj.remove("containerInstanceArn");
            obj.remove("ec2InstanceId");
            let version =
                crate::fargate::resolve_platform_version(t.platform_version.as_deref(), &t.td);
            obj.insert("platformVersion".into(), json!(version));
            let family = if t.td.is_windows() {
                t.td.os_family.as_str()
            } else {
                "Linux"
            };
            obj.insert("platformFamily".into(), json!(family));
        }
        obj.insert("enableExecuteCommand".into(), json!(t.execute_command));
        if let Some(p) = t.capacity_provider {
            obj.insert(
                "capacityProviderName".into(),
                json!(self.capacity.providers[p].name),
            );
            if self.capacity.providers[p].managed_instances().is_some() {
                obj.insert("launchType".into(), json!("MANAGED_INSTANCES"));
            }
        }
        if let Some(sb) = &t.started_by {
            obj.insert("startedBy".into(), json!(sb));
        }
        if let Some((started, stopped)) = t.pull {
            // The agent reports the task once it starts work on it [choice: at the pull].
            obj.insert("connectivity".into(), json!("CONNECTED"));
            obj.insert("connectivityAt".into(), json!(self.timestamp(started)));
            obj.insert("pullStartedAt".into(), json!(self.timestamp(started)));
            if self.now() >= stopped || t.started_at.is_some() {
                obj.insert("pullStoppedAt".into(), json!(self.timestamp(stopped)));
            }
        }
        if let Some(at) = t.started_at {
            obj.insert("startedAt".into(), json!(self.timestamp(at)));
        }
        if let Some(at) = t.stopping_at {
            obj.insert("stoppingAt".into(), json!(self.timestamp(at)));
        }
        if let Some(at) = t.stopped_at {
            obj.insert("stoppedAt".into(), json!(self.timestamp(at)));
        }
        if let Some(c) = &t.stop_code {
            obj.insert("stopCode".into(), json!(c));
        }
        if let Some(r) = &t.stopped_reason {
            obj.insert("stoppedReason".into(), json!(r));
        }
        if !t.tags.is_empty() {
            obj.insert("tags".into(), crate::tags::tags_json(&t.tags));
        }
        let attachments: Vec<Value> = eni
            .map(|eni| eni.attachment(t.last_status))
            .into_iter()
            .chain(self.volume_attachment_json(index))
            .collect();
        if !attachments.is_empty() {
            obj.insert("attachments".into(), Value::Array(attachments));
        }
        v
    }

    fn describe_container(&self, name: &str, t: &Task) -> Value {
        let bindings: Vec<&crate::placement::reserve::NetworkBinding> = t
            .reservation
            .bindings
            .iter()
            .filter(|b| b.container_name == name)
            .collect();
        let mut v = json!({
            "name": name,
            "lastStatus": t.last_status.as_str(),
            "networkBindings": bindings,
            "healthStatus": self.container_health(t, name).as_str(),
        });
        let essential =
            t.td.containers
                .iter()
                .any(|c| c.name == name && c.essential);
        if essential {
            if let Some(code) = t.exit_code {
                v["exitCode"] = json!(code);
            }
            if let Some(reason) = &t.container_reason {
                v["reason"] = json!(reason);
            }
        }
        v
    }

    /// DescribeTargetHealth for every target group: `TargetHealthDescriptions` with
    /// `Target {Id, Port}` and `TargetHealth {State, Reason}`.
    fn describe_target_groups(&self) -> Vec<Value> {
        self.lb
            .target_groups
            .iter()
            .enumerate()
            .filter(|(_, tg)| tg.classic.is_none())
            .map(|(g, tg)| {
                json!({
                    "targetGroupArn": tg.arn,
                    "targetGroupName": tg.name,
                    "loadBalancer": self.lb.load_balancer_of(g).name,
                    "targetHealthDescriptions": tg.targets.iter().map(|x| {
                        let mut health = json!({"State": x.state.as_str()});
                        if let Some(r) = x.reason {
                            health["Reason"] = json!(r);
                        }
                        json!({"Target": {"Id": x.id, "Port": x.port}, "TargetHealth": health,
                               "taskArn": self.tasks[x.task].arn})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect()
    }

    /// DescribeInstanceHealth for every Classic Load Balancer: `InstanceStates` with
    /// `InstanceId`, `State`, `ReasonCode` and `Description` (plus the task, which AWS does not
    /// know about).
    fn describe_instance_health(&self) -> Vec<Value> {
        self.lb
            .target_groups
            .iter()
            .filter(|tg| tg.classic.is_some())
            .map(|tg| {
                json!({
                    "LoadBalancerName": tg.name,
                    "InstanceStates": crate::load_balancer::classic::per_instance(&tg.targets).into_iter().map(|x| {
                        let (state, code, description) = crate::load_balancer::classic::instance_state(x);
                        json!({"InstanceId": x.id, "State": state, "ReasonCode": code,
                               "Description": description, "taskArn": self.tasks[x.task].arn})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect()
    }

    fn describe_services(&self) -> Vec<Value> {
        (0..self.services.len())
            .map(|s| self.describe_service(s))
            .collect()
    }

    /// The service named `name` ([`Simulation::service_named`]: the ACTIVE one) as
    /// DescribeServices returns it now, or why there is none.
    pub fn describe_service_by_name(&self, name: &str) -> Result<Value, String> {
        let s = self
            .service_named(name)
            .ok_or_else(|| format!("no service {name} in this run"))?;
        Ok(self.describe_service(s))
    }

    /// Service `s` as DescribeServices returns it.
    fn describe_service(&self, s: usize) -> Value {
        let svc = &self.services[s];
        let mine = self
            .tasks
            .iter()
            .filter(|t| t.service == Some(s) && t.is_active());
        let (mut running, mut pending) = (0, 0);
        // Running and pending tasks of each deployment.
        let mut by_deployment = vec![(0u32, 0u32); svc.deployments.len()];
        for t in mine {
            let counts = t.deployment.and_then(|d| by_deployment.get_mut(d));
            if t.last_status == crate::task::TaskStatus::Running {
                running += 1;
                if let Some(c) = counts {
                    c.0 += 1;
                }
            } else {
                pending += 1;
                if let Some(c) = counts {
                    c.1 += 1;
                }
            }
        }
        let mut v = json!({
            "serviceName": svc.name,
            "status": svc.status.as_str(),
            "clusterArn": format!("{}:cluster/{}", crate::revisions::ARN_PREFIX, svc.cluster),
            "taskDefinition": crate::revisions::Revisions::arn(&svc.task_definition),
            "availabilityZoneRebalancing": svc.az_rebalancing.as_str(),
            "schedulingStrategy": match svc.scheduling { crate::service::SchedulingStrategy::Replica => "REPLICA", crate::service::SchedulingStrategy::Daemon => "DAEMON" },
            "desiredCount": if svc.scheduling == crate::service::SchedulingStrategy::Replica { svc.desired_count } else { running + pending },
            "runningCount": running,
            "pendingCount": pending,
            "placementStrategy": [],
            "placementConstraints": [],
            "deployments": self.deployments_json(s, &by_deployment),
            "deploymentConfiguration": deployment_configuration_json(svc),
            "events": svc.events.iter().rev().map(|e| json!({"createdAt": self.timestamp(e.at), "message": e.message})).collect::<Vec<_>>(),
        });
        // The request's members as given (UpdateService's changes included), so that
        // the output pastes back as the same service.
        for key in ECHOED_SERVICE_MEMBERS {
            if let Some(given) = svc.request.get(*key).filter(|x| !x.is_null()) {
                v[*key] = given.clone();
            }
        }
        // DescribeServices says false when exec was never asked for.
        if v.get("enableExecuteCommand").is_none() {
            v["enableExecuteCommand"] = json!(false);
        }
        if let Some(arn) = crate::load_balancer::service_role::role_arn(
            &svc.request,
            !svc.load_balancers.is_empty(),
        ) {
            v["roleArn"] = json!(arn);
        }
        if let Some(arn) = self.deployment_in_progress_arn(s) {
            v["currentServiceDeployment"] = json!(arn);
        }
        // A CODE_DEPLOY service shows task sets and an empty deployments list.
        if crate::task_set::is_external_controller(&svc.request) {
            // An EXTERNAL service shows its task sets, and the primary one's task
            // definition (none before it has one).
            v["deployments"] = json!([]);
            v["taskSets"] = json!(self.external_task_sets_json(s, &by_deployment));
            let primary = svc.deployments.iter().find(|d| {
                d.task_set
                    .as_ref()
                    .is_some_and(|ts| ts.status == crate::task_set::TaskSetStatus::Primary)
            });
            match primary {
                Some(d) => {
                    v["taskDefinition"] =
                        json!(crate::revisions::Revisions::arn(&d.task_definition));
                    let ts = d.task_set.as_ref().map(|ts| &ts.request);
                    for key in crate::task_set::SETTINGS {
                        if let Some(given) = ts.and_then(|r| r.get(key)).filter(|x| !x.is_null()) {
                            v[key] = given.clone();
                        }
                    }
                }
                None => {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("taskDefinition");
                    }
                }
            }
        } else if crate::code_deploy::runtime::is_code_deploy(&svc.request) {
            v["deployments"] = json!([]);
            v["taskSets"] = json!(self.task_sets_json(s, &by_deployment));
        } else if let Some(shift) = &svc.traffic_shift {
            v["serviceDeployment"] = self.service_deployment_json(s, shift);
        }
        v
    }

    /// DescribeServices' `deployments`: the PRIMARY one and the ACTIVE ones that still have
    /// tasks, newest first, with `counts` (running, pending) per deployment.
    fn deployments_json(&self, s: usize, counts: &[(u32, u32)]) -> Vec<Value> {
        let svc = &self.services[s];
        let primary = svc.primary_deployment();
        self.listed_deployments(s, counts)
            .map(|(d, dep)| {
                let mut v = json!({
                    "id": dep.id,
                    "status": if d == primary { "PRIMARY" } else { "ACTIVE" },
                    "taskDefinition": crate::revisions::Revisions::arn(&dep.task_definition),
                    "runningCount": counts[d].0,
                    "pendingCount": counts[d].1,
                    "failedTasks": dep.failed_tasks,
                    "createdAt": self.timestamp(dep.created_at),
                    "rolloutState": dep.rollout_state.as_str(),
                });
                if let Some((config, resources)) = self.deployment_connect_json(dep) {
                    v["serviceConnectConfiguration"] = config;
                    v["serviceConnectResources"] = resources;
                }
                if let Some(volume) = &dep.volume {
                    v["volumeConfigurations"] = json!([volume.request]);
                }
                v
            })
            .collect()
    }

    /// The deployments DescribeServices lists for service `s`, newest first: the primary one
    /// and those with tasks (`counts`: running and pending by deployment).
    pub(crate) fn listed_deployments<'a>(
        &'a self,
        s: usize,
        counts: &'a [(u32, u32)],
    ) -> impl Iterator<Item = (usize, &'a crate::deployment::Deployment)> + 'a {
        let svc = &self.services[s];
        let primary = svc.primary_deployment();
        svc.deployments
            .iter()
            .enumerate()
            .rev()
            .filter(move |&(d, _)| d == primary || counts[d] != (0, 0))
    }

    /// The blue/green, linear or canary deployment under way as DescribeServiceDeployments
    /// shows it: status, `lifecycleStage`, the production and test traffic weights of the
    /// target and source revisions, and the hooks running (`lifecycleHookDetails`).
    fn service_deployment_json(&self, s: usize, shift: &crate::blue_green::TrafficShift) -> Value {
        let svc = &self.services[s];
        let weight = |tenths: u32| f64::from(tenths) / 10.0;
        let hooks: Vec<Value> = shift
            .gate
            .iter()
            .flat_map(|g| &g.runs)
            .map(|r| {
                let mut v = json!({
                    "hookId": r.id,
                    "targetType": r.hook.target.type_name(),
                    "status": r.status.as_str(),
                    "expiresAt": self.timestamp(r.expires_at),
                    "timeoutAction": r.hook.timeout_action.as_str(),
                });
                if let crate::deployment_lifecycle_hook::HookTarget::Lambda(arn) = &r.hook.target {
                    v["targetArn"] = json!(arn);
                }
                v
            })
            .collect();
        let mut out = json!({
            "status": match (shift.rollback, svc.deployments.last().map(|d| d.rollout_state)) {
                (true, _) => "ROLLBACK_IN_PROGRESS",
                // Failed with rollback off: held where it stopped.
                (false, Some(crate::deployment::RolloutState::Failed)) => "STOPPED",
                _ => "IN_PROGRESS",
            },
            "strategy": shift.strategy.as_str(),
            "lifecycleStage": shift.stage.as_str(),
            "targetServiceRevision": {
                "taskDefinition": crate::revisions::Revisions::arn(&svc.task_definition),
                "requestedProductionTrafficWeight": weight(if shift.rollback { 1000 } else { shift.green_tenths }),
            },
            "sourceServiceRevisions": [{
                "taskDefinition": crate::revisions::Revisions::arn(&svc.deployments[shift.source].task_definition),
                "requestedProductionTrafficWeight": weight(if shift.rollback { 0 } else { 1000 - shift.green_tenths }),
            }],
            "lifecycleHookDetails": hooks,
        });
        // Test traffic weights only with a test listener rule.
        if self.has_test_listener_rule(s) {
            let test = if shift.test_on_green { 100.0 } else { 0.0 };
            out["targetServiceRevision"]["requestedTestTrafficWeight"] =
                json!(if shift.rollback { 100.0 } else { test });
            out["sourceServiceRevisions"][0]["requestedTestTrafficWeight"] =
                json!(if shift.rollback { 0.0 } else { 100.0 - test });
        }
        out
    }

    fn describe_instances(&self) -> Vec<Value> {
        // Tasks placed on an instance and not yet RUNNING (`pendingTasksCount`).
        let mut pending = vec![0u32; self.cluster.instances.len()];
        for t in self.tasks.iter().filter(|t| {
            t.is_active()
                && matches!(
                    t.last_status,
                    crate::task::TaskStatus::Provisioning
                        | crate::task::TaskStatus::Pending
                        | crate::task::TaskStatus::Activating
                )
        }) {
            pending[t.reservation.slot] += 1;
        }
        (0..self.cluster.instances.len())
            .filter(|&slot| !self.cluster.instances[slot].fargate)
            .map(|slot| self.instance_json(slot, pending[slot]))
            .collect()
    }

    /// One container instance as DescribeContainerInstances returns it, with `pending` tasks
    /// placed on it and not yet RUNNING.
    pub(crate) fn instance_json(&self, slot: usize, pending: u32) -> Value {
        let i = &self.cluster.instances[slot];
        let resources = |r: &crate::container_instance::Resources, tcp: Vec<u16>, udp: Vec<u16>| {
            json!([
                {"name": "CPU", "type": "INTEGER", "integerValue": r.cpu},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": r.memory_mib},
                {"name": "PORTS", "type": "STRINGSET", "stringSetValue": tcp.iter().map(u16::to_string).collect::<Vec<_>>()},
                {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": udp.iter().map(u16::to_string).collect::<Vec<_>>()},
                {"name": "GPU", "type": "INTEGER", "integerValue": r.gpus},
            ])
        };
        let mut v = json!({
            "containerInstanceArn": i.arn,
            "ec2InstanceId": i.ec2_instance_id,
            "cluster": i.cluster,
            "instanceType": i.instance_type.name,
            "availabilityZone": i.availability_zone,
            "lifecycle": i.lifecycle,
            "status": i.status,
            "agentConnected": i.agent_connected,
            "runningTasksCount": i.running_tasks_count,
            "pendingTasksCount": pending,
            "registeredResources": resources(&i.registered, i.registered_ports.0.clone(), i.registered_ports.1.clone()),
            "remainingResources": resources(&i.remaining, i.reserved_tcp.iter().copied().collect(), i.reserved_udp.iter().copied().collect()),
            "attributes": i.attributes.iter().map(|(k, v)| if v.is_empty() { json!({"name": k}) } else { json!({"name": k, "value": v}) }).collect::<Vec<_>>(),
        });
        if let Some(p) = i.capacity_provider {
            v["capacityProviderName"] = json!(self.capacity.providers[p].name);
        }
        v
    }
}

/// The ENI of an awsvpc task (1.4), as DescribeTasks shows it under `attachments` and each
/// container's `networkInterfaces`. IDs derive from the task's ID and its address from its
/// index, so they replay; the subnet is the host's [choice: AWS picks one of the request's
/// subnets in the host's zone].
struct TaskEni {
    attachment_id: String,
    eni_id: String,
    ip: String,
    subnet_id: String,
}

impl TaskEni {
    fn of(index: usize, t: &Task, inst: &crate::container_instance::ContainerInstance) -> TaskEni {
        let hex: String =
            t.id.chars()
                .chain(std::iter::repeat('0'))
                .take(32)
                .collect();
        TaskEni {
            attachment_id: format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            ),
            eni_id: format!("eni-0{}", &hex[..16]),
            ip: crate::load_balancer::registration::task_ip(index),
            subnet_id: inst
                .attributes
                .get("ecs.subnet-id")
                .cloned()
                .unwrap_or_else(|| format!("subnet-{}", inst.availability_zone)),
        }
    }

    /// The `ElasticNetworkInterface` attachment: ATTACHING while the task provisions,
    /// ATTACHED until it stops, DELETING while it deprovisions, DELETED once STOPPED.
    fn attachment(&self, status: crate::task::TaskStatus) -> Value {
        use crate::task::TaskStatus;
        let state = match status {
            TaskStatus::Provisioning => "ATTACHING",
            TaskStatus::Deprovisioning => "DELETING",
            TaskStatus::Stopped => "DELETED",
            _ => "ATTACHED",
        };
        let dns = format!("ip-{}.ec2.internal", self.ip.replace('.', "-"));
        json!({
            "id": self.attachment_id,
            "type": "ElasticNetworkInterface",
            "status": state,
            "details": [
                {"name": "subnetId", "value": self.subnet_id},
                {"name": "networkInterfaceId", "value": self.eni_id},
                {"name": "privateDnsName", "value": dns},
                {"name": "privateIPv4Address", "value": self.ip},
            ],
        })
    }
}

/// CreateService members DescribeServices returns as the service was given them.
const ECHOED_SERVICE_MEMBERS: &[&str] = &[
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "loadBalancers",
    "serviceRegistries",
    "healthCheckGracePeriodSeconds",
    "deploymentController",
    "placementConstraints",
    "placementStrategy",
    "enableECSManagedTags",
    "propagateTags",
    "tags",
    "enableExecuteCommand",
];

/// DescribeServices' `deploymentConfiguration` of service `svc`: the members as given
/// (CreateService, then each UpdateService's; `alarms`, `lifecycleHooks` with their `roleArn`
/// and `hookDetails` verbatim), with the values the engine runs with for the percentages, the
/// circuit breaker, the strategy and its bake times.
fn deployment_configuration_json(svc: &crate::service::Service) -> Value {
    use crate::blue_green::DeploymentStrategy;
    let cfg = &svc.deployment_configuration;
    let tenths = |t: u32| f64::from(t) / 10.0;
    let mut v = svc
        .request
        .get("deploymentConfiguration")
        .filter(|d| d.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    v["minimumHealthyPercent"] = json!(cfg.minimum_healthy_percent);
    v["maximumPercent"] = json!(cfg.maximum_percent);
    if cfg.circuit_breaker.is_some() || v.get("deploymentCircuitBreaker").is_none() {
        v["deploymentCircuitBreaker"] = json!({"enable": cfg.circuit_breaker.is_some(),
            "rollback": cfg.circuit_breaker.unwrap_or(false)});
    }
    v["strategy"] = json!(cfg.strategy.as_str());
    let obj = v.as_object_mut().expect("an object");
    obj.remove("bakeTimeInMinutes");
    obj.remove("linearConfiguration");
    obj.remove("canaryConfiguration");
    if let Some(bake) = cfg.bake_minutes {
        v["bakeTimeInMinutes"] = json!(bake);
    }
    match cfg.strategy {
        DeploymentStrategy::Linear {
            step_tenths,
            step_bake_minutes,
        } => {
            v["linearConfiguration"] = json!({"stepPercent": tenths(step_tenths),
                "stepBakeTimeInMinutes": step_bake_minutes});
        }
        DeploymentStrategy::Canary {
            canary_tenths,
            canary_bake_minutes,
        } => {
            v["canaryConfiguration"] = json!({"canaryPercent": tenths(canary_tenths),
                "canaryBakeTimeInMinutes": canary_bake_minutes});
        }
        DeploymentStrategy::Rolling | DeploymentStrategy::BlueGreen => {}
    }
    v
}
