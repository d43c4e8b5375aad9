//! Capacity in the UI (issue 6): the Fargate lane with FARGATE and FARGATE_SPOT tasks, a Spot
//! interruption injected from the Faults form (draining, replacement, the instance gone two
//! minutes later), and an Auto Scaling group capacity provider scaling from zero with the
//! capacity panel's reservation. Scenarios live in `e2e/scenarios/`.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn the_fargate_lane_shows_fargate_and_fargate_spot_tasks() {
    let browser = Browser::start().await;
    browser.open_scenario("fargate-mix").await;
    browser.play_until(60, "00:03:00.000", 30).await;
    browser.wait_for("#fargate-lane", 10).await;
    // FARGATE{base 2, weight 1} + FARGATE_SPOT{weight 3} over 10 tasks: 4 and 6 (G20).
    assert_eq!(
        browser
            .count("#fargate-lane .fargate-task[data-provider=FARGATE]")
            .await,
        4
    );
    assert_eq!(
        browser
            .count("#fargate-lane .fargate-task[data-provider=FARGATE_SPOT]")
            .await,
        6
    );
    // Both zones of the subnets, and the Spot ones marked.
    assert_eq!(
        browser
            .count("#fargate-lane .fargate-task[data-az=us-east-1a]")
            .await,
        5
    );
    assert_eq!(
        browser
            .count("#fargate-lane .fargate-task.spot .spot-mark")
            .await,
        6
    );
    // Fargate hosts are no instance cards: only the one m5.large, in its zone's lane.
    assert_eq!(browser.count("#instances article.instance").await, 1);
    assert_eq!(
        browser
            .count(".lane[data-az=us-east-1a] article.instance")
            .await,
        1
    );
    // The capacity panel names the strategy; the cost chart is drawn.
    let strategy = browser
        .text("#capacity-services tr[data-service=api] .strategy")
        .await;
    assert_eq!(
        strategy,
        "FARGATE{base 2, weight 1} + FARGATE_SPOT{weight 3}"
    );
    assert!(browser.text("#cost").await.contains("Fargate $0."));
    // The services table says Fargate takes no placement strategy (3.1).
    let placement = browser.text("tr.service[data-service=api] td.small").await;
    assert!(
        placement.starts_with("Fargate: spread across the subnets' Availability Zones"),
        "{placement}"
    );
    // Its Explain says why there is no placement decision to explain.
    browser
        .click("tr.service[data-service=api] button.explain")
        .await;
    let why = browser.text("#explanation").await;
    assert!(why.contains("Fargate takes no placement decision"), "{why}");
    browser.wait_for("#chart-cost svg", 10).await;
    browser.screenshot("capacity-fargate-lane").await;
    browser.scroll_to("#capacity").await;
    browser.screenshot("capacity-fargate-panel").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spot_interruption_from_the_faults_form_drains_then_the_instance_is_gone() {
    let browser = Browser::start().await;
    browser.open_scenario("spot-draining").await;
    browser.play_until(60, "00:05:00.000", 30).await;
    let spot = ".instance[data-status] .badge.spot";
    assert_eq!(browser.count(spot).await, 1);
    let on_spot = |status: &'static str| {
        format!("article.instance[data-status={status}]:has(.badge.spot) .chip")
    };
    assert_eq!(browser.count(&on_spot("ACTIVE")).await, 1);

    // The Faults form: a Spot interruption notice to the Spot instance, now.
    browser.click("#faults-panel summary").await;
    browser
        .select("#fault-spot-instance", "i-0spot00000000001")
        .await;
    let clock = browser.text("#clock").await;
    browser.click("#inject-spot").await;
    let done = browser.text("#fault-done").await;
    assert_eq!(
        done,
        format!("At {clock}: Spot interruption notice to i-0spot00000000001.")
    );
    assert_eq!(
        browser.text("#clock").await,
        clock,
        "the run resumes where it was"
    );
    // ECS_ENABLE_SPOT_INSTANCE_DRAINING=true: DRAINING at once (G31).
    browser
        .wait_for("article.instance[data-status=DRAINING] .badge.spot", 5)
        .await;
    browser.screenshot("capacity-spot-draining").await;
    let doc = browser.document().await;
    assert_eq!(doc["faults"][0]["type"], "SpotInterruption");
    assert_eq!(doc["faults"][0]["instance"], "i-0spot00000000001");

    // A minute later: the replacement runs elsewhere, the old task is gone from the Spot one.
    browser.play_until(10, "00:06:50.000", 30).await;
    assert_eq!(browser.count(&on_spot("DRAINING")).await, 0);
    assert_eq!(browser.running("web").await, "3");
    assert_eq!(
        browser
            .count("article.instance[data-status=ACTIVE] .chip")
            .await,
        3
    );
    // Two minutes after the notice the instance is gone: INACTIVE, folded away under the
    // lane (not among the live cards), listed when the fold is opened.
    browser.play_until(10, "00:07:30.000", 30).await;
    browser
        .wait_for(
            ".gone-list article.instance.gone[data-status=INACTIVE] .badge.spot",
            5,
        )
        .await;
    assert_eq!(
        browser
            .count(".lane > .instances > article.instance.gone")
            .await,
        0
    );
    assert!(browser
        .text(".lane[data-az=us-east-1a] .gone-list > summary")
        .await
        .contains("1 terminated instance"));
    browser
        .click(".lane[data-az=us-east-1a] .gone-list > summary")
        .await;
    assert!(browser
        .text(".lane[data-az=us-east-1a] .lane-title")
        .await
        .contains("1 terminated"));
    browser
        .scroll_to("section[aria-label='Container instances']")
        .await;
    browser.screenshot("capacity-spot-gone").await;
    // The log tells it in the Capacity kind.
    browser.select("#log-kind", "Capacity").await;
    let log = browser.text("#event-log").await;
    assert!(
        log.contains("EC2 Spot Instance Interruption Warning for i-0spot00000000001"),
        "{log}"
    );
    // Undo takes the fault back out of the scenario.
    browser.click("#undo").await;
    let json = browser.value("#scenario-json").await;
    assert!(!json.contains("SpotInterruption"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auto_scaling_group_provider_scales_from_zero() {
    let browser = Browser::start().await;
    browser.open_scenario("asg-from-zero").await;
    // At once: no instances, six tasks waiting, the reservation at 200 % (M = 3, N = 0).
    browser.wait_for(".asg[data-group=asg]", 10).await;
    assert_eq!(browser.count("#instances article.instance").await, 0);
    browser.play_until(60, "00:00:30.000", 30).await;
    let reservation = browser
        .wait_for(".asg .reservation[data-provider=cp-asg]", 5)
        .await;
    assert_eq!(
        reservation.attr("data-value").await.unwrap().as_deref(),
        Some("200")
    );
    let text = reservation.text().await.unwrap();
    assert!(text.contains("target 100 %"), "{text}");
    assert!(text.contains("6 tasks waiting in PROVISIONING"), "{text}");
    assert!(browser
        .text(".asg[data-group=asg] .sizes")
        .await
        .starts_with("min 0 · desired 3 · max 20"));
    let activity = browser.text(".asg[data-group=asg] .asg-activity").await;
    assert!(
        activity.contains("Launching a new EC2 instance"),
        "{activity}"
    );
    assert!(browser
        .text("#capacity")
        .await
        .contains("EC2 Auto Scaling works on instances"));
    // The six tasks exist already, PROVISIONING (10.1): the panel lists their IDs.
    let provisioning = "#capacity-services tr[data-service=web] .provisioning-tasks";
    let ids = browser.text(provisioning).await;
    assert_eq!(ids.split(' ').count(), 6, "{ids}");
    assert!(ids.split(' ').all(|id| id.len() == 8), "{ids}");
    // The cluster pane shows them too, in a PROVISIONING lane of their own.
    assert_eq!(
        browser
            .count("#provisioning-lane li.provisioning-task[data-provider=cp-asg]")
            .await,
        6
    );
    assert!(browser
        .text("#provisioning-lane .lane-title")
        .await
        .contains("6 tasks waiting for capacity"));
    // A click on one: no placement to explain yet, DescribeTasks shows it PROVISIONING, and
    // Stop stops it; the service creates another in its place.
    let first = browser
        .attr("#provisioning-lane li.provisioning-task", "data-task")
        .await;
    browser
        .click("#provisioning-lane li.provisioning-task")
        .await;
    let panel = browser.text("#task-explanation .outcome").await;
    assert!(
        panel.contains("is PROVISIONING: ECS created it at 00:00:00.000"),
        "{panel}"
    );
    let described = browser.described_task().await;
    assert_eq!(described["lastStatus"], "PROVISIONING");
    assert_eq!(described["capacityProviderName"], "cp-asg");
    browser.click("#stop-task").await;
    browser
        .wait_for_text("#event-log", "STOPPED while PROVISIONING (UserInitiated", 5)
        .await;
    let ids = browser.text(provisioning).await;
    assert_eq!(ids.split(' ').count(), 6, "{ids}");
    assert!(!ids.contains(&first), "{first} stopped: {ids}");
    browser.screenshot("capacity-asg-waiting").await;
    // The stopped task stays a record (10.1): the list of stopped tasks shows it, never
    // placed, and its panel shows it STOPPED, with nothing left to stop.
    browser.click("#stopped-tasks summary").await;
    let row = format!(
        "#stopped-tasks tr.stopped-task[data-code=UserInitiated] .chip[data-task='{first}']"
    );
    browser.wait_for(&row, 5).await;
    assert!(browser
        .text("#stopped-tasks tr.stopped-task")
        .await
        .contains("stopped while PROVISIONING, never placed"));
    browser.click(&row).await;
    browser
        .wait_for_text(
            "#task-explanation .outcome",
            "while PROVISIONING (UserInitiated",
            5,
        )
        .await;
    let described = browser.described_task().await;
    assert_eq!(described["lastStatus"], "STOPPED");
    assert_eq!(described["stopCode"], "UserInitiated");
    assert_eq!(browser.count("#stop-task").await, 0);
    browser.screenshot("capacity-stopped-provisioning").await;
    browser.click("#task-explanation .close").await;

    // Five minutes on: three instances in two zone lanes, labelled with their group; six
    // tasks running; the reservation back at 100 %.
    browser.play_until(60, "00:05:00.000", 60).await;
    assert_eq!(browser.count("#instances article.instance").await, 3);
    assert_eq!(browser.count("#instances .badge.group").await, 3);
    assert_eq!(browser.count("#instances .lane").await, 2);
    assert_eq!(browser.running("web").await, "6");
    assert_eq!(browser.text(provisioning).await, "");
    assert_eq!(browser.count("#provisioning-lane").await, 0);
    let reservation = browser
        .client
        .find(Locator::Css(".asg .reservation[data-provider=cp-asg]"))
        .await
        .unwrap();
    assert_eq!(
        reservation.attr("data-value").await.unwrap().as_deref(),
        Some("100")
    );
    browser.wait_for("#chart-capacity svg", 10).await;
    assert!(browser
        .text("#chart-capacity")
        .await
        .contains("cp-asg reservation"));
    browser.screenshot("capacity-asg-scaled").await;
    browser.scroll_to("#capacity").await;
    browser.screenshot("capacity-asg-panel").await;
    browser.close().await;
}

/// Classic cluster scaling (5.2): an alarm on the cluster's CPUReservation runs the Auto
/// Scaling group's step policy; the reservation chart shows the metric with the alarms'
/// thresholds, and the group's activities say which alarm and policy changed it.
#[tokio::test(flavor = "multi_thread")]
async fn a_cpu_reservation_alarm_scales_the_group_by_its_step_policy() {
    let browser = Browser::start().await;
    browser.open_preset("asg-step-scaling-reservation").await;
    browser.play_until(600, "00:20:00.000", 60).await;
    browser.wait_for("#chart-reservation svg", 10).await;
    let chart = browser.text("#chart-reservation").await;
    assert!(
        chart.contains("Cluster CPUReservation and MemoryReservation"),
        "{chart}"
    );
    // The group's policies and the alarms that run them, in their state now.
    assert_eq!(
        browser
            .text(".asg[data-group=classic-asg] .asg-policies")
            .await,
        "reservation-out: StepScaling, run by alarm demo-cpu-reservation-high (OK)\nreservation-in: SimpleScaling, run by alarm demo-cpu-reservation-low (OK)"
    );
    browser.scroll_to(".asg[data-group=classic-asg]").await;
    browser.screenshot("capacity-asg-policies").await;
    // The newest activities under the group, every one in the event log.
    browser
        .wait_for_text(
            ".asg[data-group=classic-asg] .asg-activities",
            "a monitor alarm demo-cpu-reservation-high in state ALARM triggered policy reservation-out changing the desired capacity from 6 to 7",
            5,
        )
        .await;
    browser.select("#log-kind", "Capacity").await;
    browser
        .wait_for_text(
            "#event-log",
            "triggered policy reservation-out changing the desired capacity from 2 to 4",
            5,
        )
        .await;
    browser.scroll_to("#chart-reservation").await;
    browser.screenshot("capacity-asg-step-reservation").await;

    // `aws autoscaling put-scaling-policy` input pasted into the scaling form goes to the group.
    browser.click("#scaling-panel summary").await;
    let policy = r#"{"AutoScalingGroupName": "classic-asg", "PolicyName": "memory-out", "PolicyType": "SimpleScaling",
        "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1, "Cooldown": 120}"#;
    browser.set_value("scale-json", policy).await;
    browser.click("#add-scaling-json").await;
    browser
        .wait_for_text(
            "#scaling-done",
            "added Auto Scaling group classic-asg policy memory-out",
            5,
        )
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["autoScalingPolicies"][2]["PolicyName"], "memory-out");
    browser.close().await;
}
