//! `ecs-sim`: the headless command line of the ECS Playground engine.
//!
//! ```text
//! ecs-sim validate FILE                       # a scenario or a single task definition
//! ecs-sim run SCENARIO [--until PT30M]        # JSON shaped like the AWS describe calls
//! ecs-sim explain SCENARIO --service web [--at PT5M]
//! ecs-sim explain SCENARIO --task 426bd9b7 [--at PT5M]   # why a placed task is where it is
//! ecs-sim digest SCENARIO                     # the event-log digest (determinism check)
//! ecs-sim share SCENARIO                      # the URL fragment that shares it
//! ```
//!
//! Wherever a SCENARIO file is expected, a shared link (`https://…/#s=v1.…`) works too.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecs_engine::placement::{parse_placement, TaskNeeds};
use ecs_engine::{Scenario, SimTime, Simulation};

#[derive(Parser)]
#[command(
    name = "ecs-sim",
    version,
    about = "Deterministic Amazon ECS simulator (ECS Playground engine)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a scenario, or a single task definition (RegisterTaskDefinition input or
    /// describe-task-definition output).
    Validate {
        /// The JSON file.
        file: String,
    },
    /// Run a scenario and print the result as JSON.
    Run {
        /// The scenario file.
        scenario: String,
        /// Stop at this simulated time (ISO-8601 such as PT30M, or seconds); default: the
        /// scenario's duration.
        #[arg(long)]
        until: Option<String>,
    },
    /// Explain where the next task of a service would go, and why, at a given time; or, with
    /// --task, why a placed task went where it is (the run replayed to its placement).
    Explain {
        /// The scenario file.
        scenario: String,
        /// The service whose next task to explain.
        #[arg(long, required_unless_present = "task")]
        service: Option<String>,
        /// A placed task (its id, or the first characters of it) to explain instead.
        #[arg(long, conflicts_with = "service")]
        task: Option<String>,
        /// Simulated time to stop at first (default: the end).
        #[arg(long)]
        at: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the event-log digest of a full run.
    Digest {
        /// The scenario file.
        scenario: String,
    },
    /// Print the URL fragment (`s=v1.…`) that shares a scenario; append it after `#` to the
    /// playground's address.
    Share {
        /// The scenario file.
        scenario: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// Loads a scenario file, or a shared link (anything containing `#s=v1.`).
fn load(path: &str) -> Result<Scenario, String> {
    if let Some((_, fragment)) = path
        .split_once('#')
        .filter(|(_, f)| ecs_engine::share::is_share_fragment(f))
    {
        return ecs_engine::share::decode(fragment).map_err(|e| e.to_string());
    }
    let text = read(path)?;
    Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn time_arg(v: &str) -> Result<SimTime, String> {
    let value = match v.parse::<f64>() {
        Ok(n) => serde_json::json!(n),
        Err(_) => serde_json::json!(v),
    };
    ecs_engine::time::parse_duration_ms(&value).map(SimTime)
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Validate { file } => validate(&file),
        Command::Run { scenario, until } => {
            let mut sim = Simulation::new(load(&scenario)?);
            let until = until
                .as_deref()
                .map(time_arg)
                .transpose()?
                .unwrap_or(sim.end());
            sim.advance_to(until)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&sim.describe()).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Explain {
            scenario,
            service,
            task,
            at,
            json,
        } => {
            let mut sim = Simulation::new(load(&scenario)?);
            let at = at
                .as_deref()
                .map(time_arg)
                .transpose()?
                .unwrap_or(sim.end());
            sim.advance_to(at)?;
            if let Some(task) = task {
                let placed = sim.explain_task_placement(&task)?;
                if json {
                    let out = serde_json::json!({
                        "taskId": placed.task_id,
                        "placedAt": placed.at.to_string(),
                        "ec2InstanceId": placed.instance_id,
                        "explanation": placed.explanation,
                    });
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
                    );
                } else {
                    println!(
                        "task {} placed at {} on {}",
                        placed.task_id, placed.at, placed.instance_id
                    );
                    print!("{}", placed.explanation.render());
                }
                return Ok(());
            }
            let explanation = sim.explain_next_placement(service.as_deref().unwrap_or_default())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&explanation).map_err(|e| e.to_string())?
                );
            } else {
                print!("{}", explanation.render());
            }
            Ok(())
        }
        Command::Share { scenario } => {
            println!("{}", ecs_engine::share::encode(&load(&scenario)?.raw));
            Ok(())
        }
        Command::Digest { scenario } => {
            let mut sim = Simulation::new(load(&scenario)?);
            sim.run_to_end()?;
            println!("{}", sim.log().digest());
            Ok(())
        }
    }
}

fn validate(path: &str) -> Result<(), String> {
    let text = read(path)?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{path}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
    if value.get("version").is_some() {
        let scenario = Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
        let sim = Simulation::new(scenario);
        let mut problems = 0;
        for e in sim.log().entries() {
            if matches!(
                e.kind,
                ecs_engine::event_log::EventKind::Scenario
                    | ecs_engine::event_log::EventKind::TaskDefinition
            ) && !e.message.starts_with("registered task definition")
            {
                println!("{path}: {}", e.message);
                problems += 1;
            }
        }
        if problems > 0
            && sim
                .log()
                .entries()
                .iter()
                .any(|e| e.message.contains("ClientException"))
        {
            return Err(format!("{path}: the scenario has invalid task definitions"));
        }
        println!(
            "{path}: valid scenario ({} instances, {} task definitions, {} services)",
            sim.scenario().instances.len(),
            sim.scenario().task_definitions.len(),
            sim.services().len()
        );
        return Ok(());
    }
    let parsed = ecs_engine::task_definition::parse_task_definition(&text)
        .map_err(|e| format!("{path}: {e}"))?;
    for w in &parsed.warnings {
        println!("{path}: warning: {}: {}", w.path, w.message);
    }
    let td = ecs_engine::task_definition::validate(&parsed.input).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| format!("{path}: {}", e.located_in(&text)))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let _ = parse_placement(&serde_json::Value::Null, &td)?;
    let needs = TaskNeeds::of(&td);
    println!(
        "{path}: valid task definition {} ({} containers, reserves {} CPU units and {} MiB)",
        td.family,
        td.containers.len(),
        needs.cpu,
        needs.memory_mib
    );
    println!(
        "{path}: {}",
        ecs_engine::eks_fargate::PodSize::of_task_definition(&parsed.input).explain()
    );
    Ok(())
}
