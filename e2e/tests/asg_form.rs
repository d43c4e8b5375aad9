//! The Auto Scaling group editor (issue 6, "Editors / Instances and groups"): a group with a
//! capacity provider (managed scaling, target 100, managed termination protection) made from
//! the form, a service on that provider made from the service form, the group scaling out
//! from zero (G28) with the tasks placed on its instances, and the capacity panel's buttons:
//! scale to 0 terminates an unprotected group's instances, while managed termination
//! protection keeps the busy ones (6.5).

use e2e::Browser;

/// Fills the group fieldset: name, ECS_CLUSTER, sizes.
async fn group_fields(browser: &Browser, name: &str, min: u32, desired: u32) {
    browser.set_value("asg-name", name).await;
    browser.set_value("asg-types", "m5.large").await;
    browser.set_value("asg-cluster", "asg-demo").await;
    browser.set_value("asg-min", &min.to_string()).await;
    browser.set_value("asg-desired", &desired.to_string()).await;
    browser.set_value("asg-max", "6").await;
}

/// RUNNING tasks on active instances that a group launched (the cards with its badge).
async fn running_on_groups(browser: &Browser) -> usize {
    browser
        .count("article.instance[data-status=ACTIVE]:has(.badge.group) .chip.running")
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn g28_group_from_the_form_scales_from_zero_then_scale_to_zero_respects_protection() {
    let browser = Browser::start().await;
    // The example: cluster demo with its own instances; the group goes to a new cluster.
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;

    // G31: Spot draining is offered with Spot only, on by default.
    let draining_enabled = || async {
        browser.js("const c = document.getElementById('asg-spot-draining'); return !c.disabled && c.checked;").await
            == true
    };
    assert!(!draining_enabled().await);
    browser.click("#asg-spot").await;
    assert!(draining_enabled().await);
    browser.click("#asg-spot").await;

    // 6.5: managed termination protection needs NewInstancesProtectedFromScaleIn.
    group_fields(&browser, "asg", 0, 0).await;
    browser.click("#asg-protect").await;
    browser.click("#asg-mtp").await;
    browser.click("#add-asg").await;
    let errors = browser
        .wait_for_text("#asg-errors", "NewInstancesProtectedFromScaleIn", 5)
        .await;
    assert!(
        errors.starts_with("managedTerminationProtection:"),
        "{errors}"
    );
    browser.scroll_to(".asg-form").await;
    browser.screenshot("asg-form-error").await;
    browser.click("#asg-protect").await;
    browser.click("#add-asg").await;
    assert_eq!(
        browser.text("#asg-done").await,
        "Created Auto Scaling group asg with capacity provider cp-asg."
    );
    let doc = browser.document().await;
    let provider = &doc["capacityProviders"][0]["autoScalingGroupProvider"];
    assert_eq!(provider["managedScaling"]["targetCapacity"], 100);
    assert_eq!(provider["managedTerminationProtection"], "ENABLED");
    // The first clusters[] entry makes the declared clusters the only ones (2.1,
    // ClusterNotFoundException), so the example's own cluster demo is declared with it.
    assert_eq!(
        doc["clusters"],
        serde_json::json!([{"clusterName": "demo"},
            {"clusterName": "asg-demo", "capacityProviders": ["cp-asg"]}])
    );

    // A second group without a capacity provider or protection: two idle instances, its
    // types from the picker (issue 6, "a type picker"): each choice is added once, in order,
    // and makes a MixedInstancesPolicy with the Overrides in that order.
    group_fields(&browser, "spare", 2, 2).await;
    browser.select("#asg-type-pick", "c5.large").await;
    browser.select("#asg-type-pick", "m5.large").await;
    assert_eq!(browser.value("#asg-types").await, "m5.large, c5.large");
    assert_eq!(browser.value("#asg-type-pick").await, "");
    browser.click("#asg-protect").await;
    browser.click("#asg-cp").await;
    browser.click("#add-asg").await;
    assert_eq!(
        browser.text("#asg-done").await,
        "Created Auto Scaling group spare."
    );
    let doc = browser.document().await;
    let overrides =
        &doc["autoScalingGroups"][1]["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"];
    assert_eq!(
        overrides,
        &serde_json::json!([{"InstanceType": "m5.large"}, {"InstanceType": "c5.large"}])
    );

    // A service of 8 batch tasks (512 CPU units) on the provider: M = 2 m5.large, N = 0.
    browser.set_value("svc-name", "workers").await;
    browser.select("#svc-td", "batch").await;
    browser.set_value("svc-cluster", "asg-demo").await;
    browser.set_value("svc-desired", "8").await;
    browser.select("#svc-capacity", "strategy").await;
    browser.select("#svc-cp-provider-0", "cp-asg").await;
    browser.click("#create-service").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Created service workers."
    );

    // G28: the reservation is 200 % with no instances, the group launches 2, the tasks run.
    browser.play_until(60, "00:06:00.000", 60).await;
    let sizes = browser.text(".asg[data-group=asg] .sizes").await;
    assert!(
        sizes.starts_with("min 0 · desired 2 · max 6 — 2 in service"),
        "{sizes}"
    );
    assert_eq!(running_on_groups(&browser).await, 8);
    browser.scroll_to("#capacity").await;
    browser.screenshot("asg-form-scaled-out").await;
    browser
        .scroll_to("section[aria-label='Container instances']")
        .await;
    browser.screenshot("asg-form-instances").await;

    // Scale to 0 from the capacity panel: the unprotected group's idle instances terminate.
    browser.click(".asg[data-group=spare] .asg-zero").await;
    browser
        .wait_for_text(".asg[data-group=spare] .sizes", "desired 0", 10)
        .await;
    let doc = browser.document().await;
    let update = &doc["updateAutoScalingGroups"][0];
    assert_eq!(update["AutoScalingGroupName"], "spare");
    assert_eq!(
        (
            &update["MinSize"],
            &update["DesiredCapacity"],
            &update["MaxSize"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(0),
            &serde_json::json!(0)
        )
    );
    browser.play_until(60, "00:08:00.000", 60).await;
    let sizes = browser.text(".asg[data-group=spare] .sizes").await;
    assert!(sizes.contains("0 in service"), "{sizes}");

    // With managed termination protection, the busy instances of asg stay (6.5).
    browser.click(".asg[data-group=asg] .asg-zero").await;
    browser
        .wait_for_text(
            ".asg[data-group=asg] .sizes",
            "min 0 · desired 0 · max 0",
            10,
        )
        .await;
    browser.play_until(60, "00:09:00.000", 60).await;
    let sizes = browser.text(".asg[data-group=asg] .sizes").await;
    assert!(sizes.contains("2 in service"), "{sizes}");
    assert_eq!(running_on_groups(&browser).await, 8);
    browser.scroll_to("#capacity").await;
    browser.screenshot("asg-form-scale-to-zero").await;

    // desired + on the emptied group: max moves with it (UpdateAutoScalingGroup 0/1/1).
    browser.click(".asg[data-group=spare] .asg-more").await;
    browser
        .wait_for_text(
            ".asg[data-group=spare] .sizes",
            "min 0 · desired 1 · max 1",
            10,
        )
        .await;
    browser.close().await;
}

/// A Spot group from the form with a Spot allocation strategy (the EC2 Auto Scaling API's
/// `InstancesDistribution.SpotAllocationStrategy`): price-capacity-optimized launches every
/// Spot instance from the cheapest of its types, as the capacity panel's cards show.
#[tokio::test(flavor = "multi_thread")]
async fn a_spot_allocation_strategy_from_the_form_picks_the_types_launched() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    group_fields(&browser, "spotty", 3, 3).await;
    browser.set_value("asg-types", "r5.large, m5.large").await;
    browser.click("#asg-cp").await;
    browser.click("#asg-spot").await;
    browser
        .select("#asg-spot-alloc", "price-capacity-optimized")
        .await;
    browser.scroll_to(".asg-form").await;
    browser.screenshot("asg-form-spot-allocation").await;
    browser.click("#add-asg").await;
    assert_eq!(
        browser.text("#asg-done").await,
        "Created Auto Scaling group spotty."
    );
    let doc = browser.document().await;
    let distribution =
        &doc["autoScalingGroups"][0]["MixedInstancesPolicy"]["InstancesDistribution"];
    assert_eq!(
        distribution["SpotAllocationStrategy"],
        "price-capacity-optimized"
    );
    let cheapest = ["r5.large", "m5.large"]
        .iter()
        .map(|n| ecs_engine::instance_types::lookup(n).unwrap())
        .min_by(|a, b| a.spot_usd_per_hour.total_cmp(&b.spot_usd_per_hour))
        .unwrap()
        .name;
    browser.play_until(60, "00:03:00.000", 40).await;
    let types = browser
        .js("return [...document.querySelectorAll('article.instance:has(.badge.group) header strong')].map(s => s.textContent);")
        .await;
    assert_eq!(
        types,
        serde_json::json!([cheapest, cheapest, cheapest]),
        "{types}"
    );
    browser.close().await;
}
