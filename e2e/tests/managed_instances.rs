//! Amazon ECS Managed Instances in the UI (issue 6, "The cluster canvas";
//! `engine/src/capacity_provider/managed_instances.rs`): the instances ECS launched for the
//! waiting tasks show their provider, their tasks run there with launchType
//! MANAGED_INSTANCES, idle ones leave after scaleInAfter, and underutilized ones are drained.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn ecs_launches_the_instances_and_terminates_idle_ones() {
    let browser = Browser::start().await;
    browser.open_preset("managed-instances").await;
    browser.play_until(60, "00:03:00.000", 40).await;
    let managed = "article.instance[data-status=ACTIVE]:has(.badge.managed)";
    assert_eq!(browser.count(managed).await, 3, "one per zone");
    assert_eq!(browser.count(&format!("{managed} .chip")).await, 6);
    assert!(browser
        .text(&format!("{managed} .badge.managed"))
        .await
        .starts_with("MI general"));
    // A task's DescribeTasks says where it runs.
    browser.click(&format!("{managed} .chip")).await;
    let described = browser.described_task().await;
    assert_eq!(described["launchType"], "MANAGED_INSTANCES");
    assert_eq!(described["capacityProviderName"], "general");
    browser.click("#task-explanation .close").await;
    // The capacity pane lists the provider: its requirements and the instances ECS launched.
    let row = "#managed-instances tr[data-provider=general]";
    assert!(browser
        .text(&format!("{row} .instances"))
        .await
        .starts_with("3 × t3a.medium (us-east-1"));
    assert!(browser
        .text(row)
        .await
        .contains("2–8 vCPU, 4096 MiB or more"));
    browser.scroll_to("#managed-instances").await;
    browser.screenshot("managed-instances-capacity").await;
    browser.select("#log-kind", "Capacity").await;
    browser
        .wait_for_text(
            "#event-log",
            "capacity provider general (Managed Instances) launches 3",
            5,
        )
        .await;
    browser.scroll_to("#instances").await;
    browser.screenshot("managed-instances").await;
    // The scale-in to 3 at 30 minutes leaves instances idle; after scaleInAfter they go.
    browser.play_until(600, "00:35:00.000", 60).await;
    assert_eq!(browser.count(managed).await, 3);
    browser
        .wait_for_text("#event-log", "ran no task for 120 s (scaleInAfter)", 5)
        .await;
    assert_ne!(
        browser
            .text("#managed-instances tr[data-provider=general] .terminated")
            .await,
        "0"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn underutilized_instances_are_drained_in_turn() {
    // MI-OPT (engine/src/capacity_provider/infrastructure_optimization.rs): after the scale-in
    // from 12 to 4, the capacity pane names the underutilized instance, why and when it
    // drains; it drains, then the next; 2 instances are left.
    let browser = Browser::start().await;
    browser.open_preset("managed-instances-optimization").await;
    let managed = "article.instance[data-status=ACTIVE]:has(.badge.managed)";
    let cell = "#managed-instances tr.managed-optimization[data-provider=general] .optimization";
    browser.play_until(60, "00:05:00.000", 40).await;
    assert_eq!(browser.count(managed).await, 6);
    assert!(browser.text(cell).await.ends_with("nothing underutilized"));
    // The scale-in at 15 minutes; its tasks are STOPPED at 15:15, and one instance waits
    // scaleInAfter (120 s) as underutilized.
    browser.play_until(60, "00:16:00.000", 40).await;
    let waiting = browser.text(cell).await;
    assert!(
        waiting.contains("(t3a.large): underutilized, its tasks run on 1 × t3a.medium for $0.0421/h instead of $0.0842/h; drains at 00:17:15"),
        "{waiting}"
    );
    browser.scroll_to("#managed-instances").await;
    browser.screenshot("managed-instances-underutilized").await;
    browser.play_until(60, "00:17:30.000", 40).await;
    assert!(browser.text(cell).await.contains("DRAINING, underutilized"));
    assert_eq!(
        browser
            .count("article.instance[data-status=DRAINING]:has(.badge.managed)")
            .await,
        1
    );
    browser.select("#log-kind", "Capacity").await;
    browser
        .wait_for_text(
            "#event-log",
            "is underutilized (its tasks run on 1 × t3a.medium",
            5,
        )
        .await;
    browser.scroll_to("#instances").await;
    browser.screenshot("managed-instances-optimization").await;
    browser.play_until(600, "00:30:00.000", 60).await;
    assert_eq!(browser.count(managed).await, 2);
    assert!(browser.text(cell).await.ends_with("nothing underutilized"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_managed_instances_optimization_lesson_can_be_completed() {
    // public/lessons/managed-instances-optimization.json: playing meets step 1; scaleInAfter
    // -1 in the editor and playing to the end meets step 2.
    let browser = Browser::start().await;
    browser.open_lesson("managed-instances-optimization").await;
    browser.play_until(600, "00:25:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "1 of 2 steps done");
    let mut doc = browser.document().await;
    doc["capacityProviders"][0]["managedInstancesProvider"]["infrastructureOptimization"] =
        serde_json::json!({"scaleInAfter": -1});
    browser.apply_document(&doc).await;
    browser.play_until(600, "00:45:00.000", 60).await;
    assert_eq!(browser.text("#lesson-progress").await, "2 of 2 steps done");
    assert_eq!(browser.text("#lesson-complete").await, "Lesson complete.");
    browser.js("window.scrollTo(0, 0);").await;
    browser
        .screenshot("lesson-managed-instances-optimization")
        .await;
    browser.close().await;
}
