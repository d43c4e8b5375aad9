//! Capacity Rebalancing (`CapacityRebalance` on CreateAutoScalingGroup; the EC2 Auto Scaling
//! guide's "Capacity Rebalancing in Auto Scaling to replace at-risk Spot Instances").
//!
//! EC2 sends a rebalance recommendation when a Spot instance is at elevated risk of
//! interruption, usually before the two-minute notice (the `SpotRebalanceRecommendation`
//! fault). With Capacity Rebalancing the group launches a replacement Spot instance at once
//! and, once a new instance is in service, terminates the one at risk. Without it nothing
//! happens until EC2 interrupts the instance.
//!
//! What ECS sees (7.1): it gets **no** notice of the termination [SPOT], and the agent's
//! `ECS_ENABLE_SPOT_INSTANCE_DRAINING` reacts to the interruption notice only. So without
//! managed draining the at-risk instance's tasks die with it (`TerminationNotice`); with it,
//! the termination is an ASG-initiated one and the instance is drained first (6.5; whether
//! managed draining covers rebalancing is **[unconfirmed]**, the playground assumes it does).
//! Scale-in protection does not keep an at-risk instance **[unconfirmed]**: EC2 will interrupt
//! it anyway. The activities' causes follow the pattern of AWS's other causes; their exact
//! wording for rebalancing is **[unconfirmed]**.

use super::runtime::LaunchFor;
use super::GroupInstanceState;
use crate::event_log::EventKind;
use crate::sim::Simulation;

impl Simulation {
    /// EC2 sends rebalance recommendations to `count` running Spot instances (only
    /// `instance`, only those of `group`, only those in `zone`, when given), picked with the
    /// seeded stream.
    pub(crate) fn recommend_rebalance(
        &mut self,
        count: u32,
        instance: Option<&str>,
        group: Option<&str>,
        zone: Option<&str>,
    ) {
        let mut candidates = self.running_spot_instances(instance, group, zone);
        candidates.retain(|&slot| {
            let id = &self.cluster.instances[slot].ec2_instance_id;
            !self
                .groups
                .iter()
                .flat_map(|g| g.instances.iter())
                .any(|i| &i.id == id && i.rebalance_recommended)
        });
        for slot in self.pick_spot_instances(candidates, count, "SpotRebalanceRecommendation") {
            self.rebalance_recommended(slot);
        }
    }

    /// One instance's rebalance recommendation.
    fn rebalance_recommended(&mut self, slot: usize) {
        let id = self.cluster.instances[slot].ec2_instance_id.clone();
        let member = self.cluster.instances[slot]
            .auto_scaling_group
            .and_then(|g| {
                let i = self.groups[g].instances.iter().position(|x| x.id == id)?;
                Some((g, i))
            });
        let rebalancing = member.filter(|&(g, _)| self.groups[g].spec.capacity_rebalance);
        let why = match (member, rebalancing) {
            (_, Some((g, _))) => format!(
                "Capacity Rebalancing is on for Auto Scaling group {}, so it launches a replacement and terminates {id} once a new instance is in service; ECS gets no notice of that termination",
                self.groups[g].spec.name
            ),
            (Some((g, _)), None) => format!(
                "Capacity Rebalancing is off for Auto Scaling group {}, so nothing happens until EC2 interrupts the instance",
                self.groups[g].spec.name
            ),
            (None, None) => "nothing acts on it until EC2 interrupts the instance".to_string(),
        };
        let msg = format!(
            "EC2 Instance Rebalance Recommendation for {id}: elevated risk of interruption; {why}"
        );
        self.log
            .push(self.now(), EventKind::Capacity, msg)
            .instance(&id);
        self.ec2_event(
            "EC2 Instance Rebalance Recommendation",
            &id,
            serde_json::json!({"instance-id": id}),
        );
        if let Some((g, i)) = rebalancing {
            let before = self.rebalance_surge(g);
            self.groups[g].instances[i].rebalance_recommended = true;
            if self.rebalance_surge(g) > before {
                self.launch_group_instance(g, LaunchFor::Rebalance);
            } else {
                let msg = format!(
                    "Auto Scaling group {}: no replacement for {id}: Capacity Rebalancing may not go more than 10 % above MaxSize",
                    self.groups[g].spec.name
                );
                self.log.push(self.now(), EventKind::Capacity, msg);
            }
        }
    }

    /// Replacements group `g` keeps above its desired capacity: one for each instance at risk
    /// still in the group, within 10 % of `MaxSize` (at least one) above it **[unconfirmed]**.
    pub(crate) fn rebalance_surge(&self, g: usize) -> u32 {
        let group = &self.groups[g];
        if !group.spec.capacity_rebalance {
            return 0;
        }
        let at_risk = group.live().filter(|i| i.rebalance_recommended).count() as u32;
        let ceiling = group.spec.max + group.spec.max.div_ceil(10).max(1);
        at_risk.min(ceiling.saturating_sub(group.desired + self.refresh_surge(g)))
    }

    /// Instance `arrived` of group `g` is in service: an instance at risk (the oldest, not
    /// `arrived` itself) is taken out of service, drained first with managed draining.
    pub(crate) fn replace_instance_at_risk(&mut self, g: usize, arrived: usize) {
        let group = &self.groups[g];
        if !group.spec.capacity_rebalance {
            return;
        }
        let Some(i) = (0..group.instances.len())
            .filter(|&i| {
                let inst = &group.instances[i];
                i != arrived
                    && inst.rebalance_recommended
                    && inst.state == GroupInstanceState::InService
            })
            .min_by_key(|&i| group.instances[i].launched_at)
        else {
            return;
        };
        let cause = format!(
            "At {} an instance was taken out of service in response to an EC2 instance rebalance recommendation.",
            self.timestamp(self.now())
        );
        self.retire_group_instance(g, i, cause);
    }
}
