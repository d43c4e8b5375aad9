//! What the capacity costs: dollars per hour now and cumulative dollars, per minute.
//!
//! EC2 instances are charged from launch until termination at the catalogue's on-demand or
//! Spot price ([`crate::instance_types`]); Fargate tasks per vCPU-hour and GB-hour of their
//! task size from provisioning until STOPPED, with Fargate Spot's discount. Charging is
//! per second in AWS (with a one-minute minimum); the playground integrates the rate over its
//! one-minute samples, so a figure is exact to the minute.
//!
//! Fargate prices: us-east-1, Linux, 2025 list prices ([`FARGATE_PRICES_SOURCE`]). Fargate
//! Spot varies; the figures are a typical recent price (about 70 % off), not live.

use crate::auto_scaling_group::warm_pool::PoolState;
use crate::auto_scaling_group::GroupInstanceState;
use crate::container_instance::InstanceStatus;
use crate::instance_types::Architecture;
use crate::scenario::Lifecycle;
use crate::sim::Simulation;

/// Fargate Linux/x86 price per vCPU-hour, USD (us-east-1, 2025).
pub const FARGATE_VCPU_HOUR: f64 = 0.040_48;
/// Fargate Linux/x86 price per GB-hour, USD.
pub const FARGATE_GB_HOUR: f64 = 0.004_445;
/// Fargate Linux/ARM price per vCPU-hour, USD.
pub const FARGATE_ARM_VCPU_HOUR: f64 = 0.032_38;
/// Fargate Linux/ARM price per GB-hour, USD.
pub const FARGATE_ARM_GB_HOUR: f64 = 0.003_56;
/// A typical Fargate Spot price per vCPU-hour, USD (varies).
pub const FARGATE_SPOT_VCPU_HOUR: f64 = 0.012_144;
/// A typical Fargate Spot price per GB-hour, USD (varies).
pub const FARGATE_SPOT_GB_HOUR: f64 = 0.001_333_5;
/// Where the Fargate figures come from, and when they were read.
pub const FARGATE_PRICES_SOURCE: &str =
    "https://aws.amazon.com/fargate/pricing/ (us-east-1, Linux, 2025; Spot is a typical recent price)";

/// ECS Anywhere: per managed on-premises instance-hour, USD (us-east-1, 2025).
pub const ECS_ANYWHERE_INSTANCE_HOUR: f64 = 0.010_25;

/// The price per hour of one Fargate task of `cpu_units` and `memory_mib`.
pub fn fargate_usd_per_hour(cpu_units: u32, memory_mib: u32, spot: bool, arm: bool) -> f64 {
    let vcpu = f64::from(cpu_units) / 1024.0;
    let gb = f64::from(memory_mib) / 1024.0;
    let (per_vcpu, per_gb) = match (spot, arm) {
        (true, _) => (FARGATE_SPOT_VCPU_HOUR, FARGATE_SPOT_GB_HOUR),
        (false, false) => (FARGATE_VCPU_HOUR, FARGATE_GB_HOUR),
        (false, true) => (FARGATE_ARM_VCPU_HOUR, FARGATE_ARM_GB_HOUR),
    };
    vcpu * per_vcpu + gb * per_gb
}

/// The running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostMeter {
    /// EC2 dollars per hour at the last sample.
    pub ec2_usd_per_hour: f64,
    /// Fargate dollars per hour at the last sample.
    pub fargate_usd_per_hour: f64,
    /// Dollars per hour of the EBS volumes attached to tasks (and kept after them) at the
    /// last sample ([`crate::ebs_volume`]).
    pub ebs_usd_per_hour: f64,
    /// Dollars spent so far.
    pub total_usd: f64,
}

impl Simulation {
    /// Prices the capacity in use now, adds the last minute to the total and records the
    /// `cost/*` series.
    pub(crate) fn meter_cost(&mut self) {
        let minutes = if self.series.timestamps_ms.len() > 1 {
            1.0
        } else {
            0.0
        };
        let previous = self.cost.ec2_usd_per_hour
            + self.cost.fargate_usd_per_hour
            + self.cost.ebs_usd_per_hour;
        self.cost.total_usd += previous * minutes / 60.0;
        let (mut ec2, mut fargate) = (0.0, 0.0);
        for inst in &self.cluster.instances {
            // A deregistered instance's EC2 instance still runs, and bills.
            if (inst.status == InstanceStatus::Inactive && !inst.deregistered) || inst.ec2_stopped {
                continue;
            }
            let spot = inst.lifecycle == Lifecycle::Spot;
            if inst.fargate {
                let arm = inst
                    .attributes
                    .get("ecs.cpu-architecture")
                    .map(String::as_str)
                    == Some(Architecture::Arm64.as_attribute());
                fargate += fargate_usd_per_hour(
                    inst.registered.cpu,
                    inst.registered.memory_mib,
                    spot,
                    arm,
                );
            } else if inst.external {
                ec2 += ECS_ANYWHERE_INSTANCE_HOUR;
            } else {
                // Managed Instances add their management fee to the instance's price.
                let managed = inst
                    .capacity_provider
                    .is_some_and(|p| self.capacity.providers[p].managed_instances().is_some());
                ec2 += if managed {
                    managed_instance_price(inst.instance_type, spot)
                } else {
                    instance_price(inst.instance_type, spot)
                };
            }
        }
        // Managed Instances bill from their launch, as an Auto Scaling group's do.
        for i in self.managed_instances() {
            if i.slot.is_none() && !i.terminated {
                let spot = self.capacity.providers[i.provider]
                    .managed_instances()
                    .is_some_and(|m| m.spot);
                ec2 += managed_instance_price(i.instance_type, spot);
            }
        }
        // Instances still booting are already billed, as are warm pool instances warming
        // up or kept running (their volumes are not modelled).
        for group in &self.groups {
            let pool_running = group
                .warm_pool
                .as_ref()
                .is_some_and(|p| p.pool_state == PoolState::Running);
            let unregistered = group.instances.iter().filter(|i| i.slot.is_none());
            for i in unregistered.filter(|i| match i.state {
                GroupInstanceState::Pending
                | GroupInstanceState::InService
                | GroupInstanceState::WarmedPending => true,
                GroupInstanceState::Warmed => pool_running,
                GroupInstanceState::Terminating | GroupInstanceState::Terminated => false,
            }) {
                ec2 += instance_price(i.instance_type, i.lifecycle == Lifecycle::Spot);
            }
        }
        self.cost.ec2_usd_per_hour = ec2;
        self.cost.fargate_usd_per_hour = fargate;
        self.cost.ebs_usd_per_hour = self.ebs_usd_per_hour();
        if !self.ebs.volumes.is_empty() {
            self.series
                .record("cost/ebsUsdPerHour", self.cost.ebs_usd_per_hour);
        }
        self.series.record("cost/ec2UsdPerHour", ec2);
        self.series.record("cost/fargateUsdPerHour", fargate);
        self.series.record("cost/totalUsd", self.cost.total_usd);
    }

    /// The running cost totals.
    pub fn cost(&self) -> CostMeter {
        self.cost
    }
}

/// A Managed Instances instance's price: the instance's, plus the management fee, a share of
/// the on-demand price (per instance-hour by instance type, whatever the capacity option).
pub(crate) fn managed_instance_price(it: &crate::instance_types::InstanceType, spot: bool) -> f64 {
    instance_price(it, spot)
        + it.on_demand_usd_per_hour * crate::capacity_provider::managed_instances::MANAGEMENT_FEE
}

fn instance_price(it: &crate::instance_types::InstanceType, spot: bool) -> f64 {
    if spot {
        it.spot_usd_per_hour
    } else {
        it.on_demand_usd_per_hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_prices_per_vcpu_and_gb() {
        // 0.25 vCPU / 0.5 GB on-demand: 0.25 × 0.04048 + 0.5 × 0.004445.
        let p = fargate_usd_per_hour(256, 512, false, false);
        assert!((p - 0.012_342_5).abs() < 1e-9, "{p}");
        // Spot is about 70 % cheaper.
        let s = fargate_usd_per_hour(1024, 2048, true, false);
        let o = fargate_usd_per_hour(1024, 2048, false, false);
        assert!((s / o - 0.3).abs() < 0.01, "{s} {o}");
    }
}
