//! # ecs-engine: a deterministic simulator of Amazon ECS
//!
//! A sans-IO state machine: no wall clock, no OS randomness, no I/O. The caller loads a
//! [`Scenario`], builds a [`Simulation`] and advances simulated time; the same scenario gives
//! the same [`EventLog`](event_log::EventLog) natively and in WebAssembly.
//!
//! Modules are named after the ECS concept they implement; `ARCHITECTURE.md` at the
//! repository root is the map.

pub mod app_runner;
pub mod application;
pub mod attributes;
pub mod auto_scaling_group;
pub mod autoscaling;
pub mod az_rebalancing;
pub mod billing;
pub mod blue_green;
pub mod calendar;
pub mod capacity_provider;
pub mod cloudwatch;
pub mod cluster;
pub mod code_deploy;
pub mod container_instance;
pub mod daemon;
pub mod delete_service;
pub mod deployment;
pub mod deployment_lifecycle_hook;
pub mod deregister_instance;
mod describe;
pub mod dynamodb;
pub mod ebs_volume;
pub mod edit;
pub mod efs;
pub mod eks_fargate;
pub mod event_log;
pub mod eventbridge;
pub mod execute_command;
pub mod fargate;
pub mod faults;
pub mod iam;
pub mod instance_state;
pub mod instance_types;
pub mod json_position;
pub mod json_shape;
pub mod lesson;
pub mod lifecycle;
pub mod load;
pub mod load_balancer;
pub mod logs;
pub mod metrics;
pub mod placement;
pub mod queue;
pub mod registry;
pub mod request;
pub mod revisions;
pub mod rng;
pub mod run_task;
pub mod s3;
pub mod scenario;
pub mod secrets;
pub mod service;
pub mod service_connect;
pub mod service_discovery;
pub mod share;
pub mod sim;
pub mod sns;
pub mod spot;
pub mod stop_service_deployment;
pub mod stop_task;
pub mod stopped_tasks;
pub mod tags;
pub mod task;
pub mod task_definition;
pub mod task_definition_state;
pub mod task_override;
pub mod task_protection;
pub mod task_set;
pub mod time;
pub mod traffic;
pub mod unhealthy_replacement;
pub mod workload;

pub use scenario::{Scenario, ScenarioError};
pub use sim::Simulation;
pub use time::SimTime;

/// Loads a scenario from JSON text, runs it to its end and returns the finished simulation.
pub fn run_scenario(json: &str) -> Result<Simulation, ScenarioError> {
    let scenario = Scenario::from_json(json)?;
    let mut sim = Simulation::new(scenario);
    sim.run_to_end().map_err(|m| ScenarioError::at("", m))?;
    Ok(sim)
}

/// The event-log digest of a full run: the determinism fingerprint compared between native
/// and wasm builds.
pub fn scenario_digest(json: &str) -> Result<String, ScenarioError> {
    run_scenario(json).map(|sim| sim.log().digest())
}
