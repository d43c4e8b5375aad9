//! The same containers on EKS on Fargate (section 11, G43): how big the Fargate node of one pod
//! would be. EKS on Fargate runs one pod per node and sizes the node from the pod's requests:
//!
//! 1. the larger of the biggest init container's request and the sum of the long-running
//!    containers' requests, for vCPU and for memory;
//! 2. plus 256 MiB of memory for kubelet, kube-proxy and containerd;
//! 3. rounded up to the next legal Fargate size (the table of 1.4);
//! 4. with no requests at all, 0.25 vCPU and 0.5 GB.
//!
//! How a task definition becomes a pod is the playground's choice, as AWS has no such mapping:
//! a container's `cpu` is its vCPU request (1024 units = 1 vCPU) and its `memoryReservation`,
//! else its `memory`, its memory request. A non-essential container that another container
//! waits for with `dependsOn` condition `SUCCESS` or `COMPLETE` runs to completion first, so it
//! counts as an init container. Where no container asks for a resource but the task does (task
//! `cpu` or `memory`, as Fargate task definitions do), the task's value is the request.

use crate::task_definition::{
    fargate_pair_is_valid, parse_task_cpu, parse_task_memory, TaskDefinitionInput,
};

/// Memory EKS adds to every Fargate pod for kubelet, kube-proxy and containerd, MiB.
pub const POD_OVERHEAD_MIB: u32 = 256;

/// The size of a pod with no requests: 0.25 vCPU and 0.5 GB (CPU units, MiB).
pub const EMPTY_POD: (u32, u32) = (256, 512);

/// A container's requests: CPU units (1024 = 1 vCPU) and MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requests {
    /// CPU units.
    pub cpu: u32,
    /// Memory, MiB.
    pub memory: u32,
}

/// How EKS on Fargate sizes one pod, step by step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSize {
    /// The biggest init container request (each resource on its own).
    pub init: Requests,
    /// The sum of the long-running containers' requests.
    pub long_running: Requests,
    /// What the node must hold: the larger of the two, plus [`POD_OVERHEAD_MIB`].
    pub needed: Requests,
    /// The Fargate size it runs as (CPU units, MiB); `None` when larger than any.
    pub runs_as: Option<(u32, u32)>,
}

impl PodSize {
    /// Sizes a pod from its init and long-running containers' requests.
    pub fn of(init: &[Requests], long_running: &[Requests]) -> PodSize {
        let biggest_init = Requests {
            cpu: init.iter().map(|r| r.cpu).max().unwrap_or(0),
            memory: init.iter().map(|r| r.memory).max().unwrap_or(0),
        };
        let sum = Requests {
            cpu: long_running.iter().map(|r| r.cpu).sum(),
            memory: long_running.iter().map(|r| r.memory).sum(),
        };
        let requested = Requests {
            cpu: biggest_init.cpu.max(sum.cpu),
            memory: biggest_init.memory.max(sum.memory),
        };
        let (needed, runs_as) = if requested == Requests::default() {
            let (cpu, memory) = EMPTY_POD;
            (Requests { cpu, memory }, Some(EMPTY_POD))
        } else {
            let needed = Requests {
                cpu: requested.cpu,
                memory: requested.memory + POD_OVERHEAD_MIB,
            };
            (needed, smallest_fargate_size(needed))
        };
        PodSize {
            init: biggest_init,
            long_running: sum,
            needed,
            runs_as,
        }
    }

    /// Sizes the pod the task definition's containers would make (the mapping in the module
    /// documentation).
    pub fn of_task_definition(td: &TaskDefinitionInput) -> PodSize {
        let runs_first = |name: &str| {
            td.container_definitions.iter().any(|c| {
                c.depends_on.iter().any(|d| {
                    d.container_name.as_deref() == Some(name)
                        && matches!(d.condition.as_deref(), Some("SUCCESS" | "COMPLETE"))
                })
            })
        };
        let (mut init, mut long_running) = (Vec::new(), Vec::new());
        for c in &td.container_definitions {
            let clamp =
                |v: Option<i64>| v.map_or(0, |v| u32::try_from(v.max(0)).unwrap_or(u32::MAX));
            let requests = Requests {
                cpu: clamp(c.cpu),
                memory: clamp(c.memory_reservation.or(c.memory)),
            };
            let is_init = c.essential == Some(false) && c.name.as_deref().is_some_and(runs_first);
            if is_init {
                init.push(requests);
            } else {
                long_running.push(requests);
            }
        }
        let asked = |sum: fn(&Requests) -> u32, task: Option<u32>| {
            let containers = init.iter().chain(&long_running).map(sum).sum::<u32>();
            if containers == 0 {
                task.unwrap_or(0)
            } else {
                0
            }
        };
        let task = Requests {
            cpu: asked(|r| r.cpu, td.cpu.as_deref().and_then(parse_task_cpu)),
            memory: asked(
                |r| r.memory,
                td.memory.as_deref().and_then(parse_task_memory),
            ),
        };
        if task != Requests::default() {
            long_running.push(task);
        }
        PodSize::of(&init, &long_running)
    }

    /// The steps in words, e.g. "as one EKS Fargate pod: requests 1 vCPU / 8192 MiB + 256 MiB
    /// for kubelet, kube-proxy and containerd = 1 vCPU / 8448 MiB → runs as 2 vCPU / 9 GB".
    pub fn explain(&self) -> String {
        let requested = if self.init.cpu > self.long_running.cpu
            || self.init.memory > self.long_running.memory
        {
            format!(
                "long-running containers {} / {} MiB, biggest init container {} / {} MiB",
                vcpu(self.long_running.cpu),
                self.long_running.memory,
                vcpu(self.init.cpu),
                self.init.memory
            )
        } else {
            format!(
                "requests {} / {} MiB",
                vcpu(self.long_running.cpu),
                self.long_running.memory
            )
        };
        let size = match self.runs_as {
            Some((cpu, memory)) => format!("runs as {} / {}", vcpu(cpu), gb(memory)),
            None => "larger than any Fargate size (16 vCPU / 120 GB)".to_string(),
        };
        if self.long_running == Requests::default() && self.init == Requests::default() {
            return format!("as one EKS Fargate pod: no requests, so it {size}");
        }
        format!(
            "as one EKS Fargate pod: {requested} + {POD_OVERHEAD_MIB} MiB for kubelet, kube-proxy and containerd = {} / {} MiB → {size}",
            vcpu(self.needed.cpu),
            self.needed.memory
        )
    }
}

/// The smallest legal Fargate size (1.4) holding `needed`: the fewest vCPUs, then the least
/// memory.
fn smallest_fargate_size(needed: Requests) -> Option<(u32, u32)> {
    const CPUS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];
    CPUS.iter()
        .filter(|&&cpu| cpu >= needed.cpu)
        .find_map(|&cpu| {
            (1..=240)
                .map(|half_gb| half_gb * 512)
                .find(|&memory| memory >= needed.memory && fargate_pair_is_valid(cpu, memory))
                .map(|memory| (cpu, memory))
        })
}

/// `0.25 vCPU`, `2 vCPU`.
fn vcpu(units: u32) -> String {
    format!("{} vCPU", f64::from(units) / 1024.0)
}

/// `0.5 GB`, `9 GB`.
fn gb(mib: u32) -> String {
    format!("{} GB", f64::from(mib) / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_definition::parse_task_definition;

    const GIB: u32 = 1024;

    #[test]
    fn g43_one_vcpu_and_8_gb_runs_as_2_vcpu_and_9_gb() {
        let pod = PodSize::of(
            &[],
            &[Requests {
                cpu: 1024,
                memory: 8 * GIB,
            }],
        );
        assert_eq!(pod.needed.memory, 8 * GIB + 256, "8.25 GB after the 256 MB");
        assert_eq!(pod.runs_as, Some((2048, 9 * GIB)));
        assert_eq!(
            pod.explain(),
            "as one EKS Fargate pod: requests 1 vCPU / 8192 MiB + 256 MiB for kubelet, kube-proxy and containerd = 1 vCPU / 8448 MiB → runs as 2 vCPU / 9 GB"
        );
    }

    #[test]
    fn section_11_the_larger_of_the_biggest_init_container_and_the_sum_counts() {
        let long = [
            Requests {
                cpu: 256,
                memory: 512,
            },
            Requests {
                cpu: 256,
                memory: 512,
            },
        ];
        let init = [Requests {
            cpu: 2048,
            memory: 256,
        }];
        let pod = PodSize::of(&init, &long);
        assert_eq!(
            pod.needed,
            Requests {
                cpu: 2048,
                memory: 1024 + 256
            }
        );
        assert_eq!(pod.runs_as, Some((2048, 4 * GIB)), "2 vCPU starts at 4 GB");
        assert!(
            pod.explain().contains("biggest init container 2 vCPU"),
            "{}",
            pod.explain()
        );
    }

    #[test]
    fn section_11_no_requests_is_a_quarter_vcpu_and_half_a_gb() {
        let pod = PodSize::of(&[], &[Requests::default()]);
        assert_eq!(pod.runs_as, Some(EMPTY_POD));
        assert_eq!(
            pod.explain(),
            "as one EKS Fargate pod: no requests, so it runs as 0.25 vCPU / 0.5 GB"
        );
        let huge = PodSize::of(
            &[],
            &[Requests {
                cpu: 16384,
                memory: 120 * GIB,
            }],
        );
        assert_eq!(
            huge.runs_as, None,
            "120 GB + 256 MiB is over the largest size"
        );
    }

    #[test]
    fn a_task_definition_becomes_a_pod_with_its_waited_for_container_as_init() {
        let td = parse_task_definition(
            r#"{"family": "f", "containerDefinitions": [
                {"name": "migrate", "image": "m", "essential": false, "cpu": 2048, "memory": 1024},
                {"name": "web", "image": "w", "cpu": 512, "memoryReservation": 1536, "memory": 4096,
                 "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}]},
                {"name": "log", "image": "l", "essential": false, "cpu": 256, "memory": 256}
            ]}"#,
        )
        .unwrap();
        let pod = PodSize::of_task_definition(&td.input);
        assert_eq!(
            pod.init,
            Requests {
                cpu: 2048,
                memory: 1024
            }
        );
        assert_eq!(
            pod.long_running,
            Requests {
                cpu: 768,
                memory: 1792
            },
            "web's memoryReservation and the sidecar, which nothing waits for"
        );
        assert_eq!(pod.runs_as, Some((2048, 4 * GIB)));
    }

    #[test]
    fn a_fargate_task_definition_sized_at_task_level_requests_the_task_size() {
        let td = parse_task_definition(
            r#"{"family": "f", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
                "cpu": "1 vCPU", "memory": "2048",
                "containerDefinitions": [{"name": "web", "image": "w", "memoryReservation": 512}]}"#,
        )
        .unwrap();
        let pod = PodSize::of_task_definition(&td.input);
        assert_eq!(
            pod.long_running,
            Requests {
                cpu: 1024,
                memory: 512
            },
            "the task's cpu, as no container asks for any; the container's memory"
        );
        assert_eq!(pod.runs_as, Some((1024, 2 * GIB)));
    }
}
