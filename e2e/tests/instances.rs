//! Instances by clicking (issue 6, "Instances and groups"): add them with custom attributes,
//! drain and terminate them from their cards, and read their ENIs in use.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn add_with_attributes_then_drain_and_terminate_from_the_cards() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    browser.select("#add-type", "c5.large").await;
    browser.set_value("add-az", "us-east-1d").await;
    browser.set_value("add-attributes", "team=blue, gpu").await;
    browser.click("#add-instances").await;
    browser
        .wait_for_text("#build-done", "Added 1 × c5.large.", 5)
        .await;
    // The outcome is said next to the button that made it, in view, not at the panel's end.
    let beside_button = browser
        .js("const d = document.getElementById('build-done'); \
             const r = d.getBoundingClientRect(); \
             return d.closest('fieldset').contains(document.getElementById('add-instances')) \
                 && r.top >= 0 && r.bottom <= window.innerHeight;")
        .await;
    assert_eq!(beside_button, true);
    let card = ".lane[data-az=us-east-1d] article.instance";
    assert_eq!(
        browser.text(&format!("{card} .attrs")).await,
        "gpu · team=blue"
    );

    // A name AWS refuses is named before anything changes.
    browser.set_value("add-attributes", "a b=c").await;
    browser.click("#add-instances").await;
    browser
        .wait_for_text("#build-errors", "attributes: \"a b\"", 5)
        .await;

    // Drain from the card: DRAINING, and the request is in the scenario.
    browser.click(&format!("{card} .card-action.drain")).await;
    browser
        .wait_for(
            ".lane[data-az=us-east-1d] article.instance[data-status=DRAINING]",
            5,
        )
        .await;
    let doc: serde_json::Value = browser.document().await;
    assert_eq!(
        doc["updateContainerInstancesState"][0]["status"],
        "DRAINING"
    );
    browser.screenshot("instance-card-draining").await;

    // Terminate from the card: it leaves the lane for the terminated fold.
    browser
        .click(&format!("{card} .card-action.terminate"))
        .await;
    browser
        .wait_for(
            ".lane[data-az=us-east-1d] .gone-list article.instance.gone",
            5,
        )
        .await;
    browser.screenshot("instance-card-terminated").await;
    assert_eq!(
        browser
            .count(".lane[data-az=us-east-1d] > .instances > article.instance")
            .await,
        0
    );
    let doc: serde_json::Value = browser.document().await;
    assert_eq!(doc["faults"][0]["type"], "InstanceTermination");
    browser.close().await;
}

/// awsvpc tasks take an ENI each (2.3): a c5.large hosts 2 of them, 10 with ENI trunking;
/// the cards count the ENIs in use against that limit.
#[tokio::test(flavor = "multi_thread")]
async fn cards_show_the_enis_awsvpc_tasks_use() {
    let browser = Browser::start().await;
    browser.open_preset("eni-limits-awsvpc").await;
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(
        browser
            .text(".lane[data-az=us-east-1a] article.instance .enis")
            .await,
        "· ENIs 2/2"
    );
    assert_eq!(
        browser
            .text(".lane[data-az=us-east-1b] article.instance .enis")
            .await,
        "· ENIs 10/10"
    );
    browser.screenshot("instance-card-enis").await;
    browser.close().await;
}

/// PutAttributes and DeleteAttributes from the Faults form (2.1, 2.5): a service whose
/// `memberOf` needs `stack == prod` waits until the attribute is put on an instance, then
/// places there; deleting it leaves the running tasks where they are.
#[tokio::test(flavor = "multi_thread")]
async fn put_attributes_from_the_form_lets_a_member_of_service_place() {
    let browser = Browser::start().await;
    browser.open_scenario("attributes").await;
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("web").await, "0");

    browser.click("#faults-panel summary").await;
    browser.select("#fault-instance", "i-green").await;
    browser.set_value("attr-name", "stack").await;
    browser.set_value("attr-value", "prod").await;
    let clock = browser.text("#clock").await;
    browser.click("#put-attribute").await;
    assert_eq!(
        browser.text("#fault-done").await,
        format!("At {clock}: PutAttributes stack=prod on i-green.")
    );
    let doc = browser.document().await;
    assert_eq!(doc["putAttributes"][0]["cluster"], "default");
    assert_eq!(
        doc["putAttributes"][0]["attributes"][0]["targetId"],
        "i-green"
    );
    browser
        .wait_for_text(
            "article.instance[data-instance=i-green] .attrs",
            "stack=prod",
            5,
        )
        .await;
    browser.play_until(60, "00:04:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2");
    assert_eq!(
        browser
            .count("article.instance[data-instance=i-green] .chip")
            .await,
        2
    );
    browser.screenshot("instances-put-attributes").await;

    // A built-in name is refused, naming the field; the document is unchanged.
    browser.set_value("attr-name", "ecs.os-type").await;
    browser.click("#put-attribute").await;
    let error = browser.text("#fault-errors").await;
    assert!(
        error.contains("putAttributes[1].attributes[0].name"),
        "{error}"
    );

    browser.set_value("attr-name", "stack").await;
    browser.click("#delete-attribute").await;
    browser
        .wait_for_text("#fault-done", "DeleteAttributes stack on i-green", 5)
        .await;
    assert_eq!(
        browser
            .count("article.instance[data-instance=i-green] .attrs")
            .await,
        0
    );
    browser.play_until(60, "00:06:00.000", 30).await;
    assert_eq!(
        browser.running("web").await,
        "2",
        "running tasks stay (3.4)"
    );
}

/// StopTask from a task's chip (10.2): the explanation panel shows the task as DescribeTasks
/// does, and its Stop button adds a StopTask at the current time; the task stops
/// (UserInitiated) and its service starts a replacement.
#[tokio::test(flavor = "multi_thread")]
async fn stop_task_from_the_chip_panel_and_the_service_replaces_it() {
    let browser = Browser::start().await;
    open_without_member_of(&browser).await;
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2");
    let chip = "#instances article.instance .chip[data-task]";
    let task = browser.attr(chip, "data-task").await;
    browser.click(chip).await;
    browser.wait_for("#stop-task", 5).await;
    // The panel also shows the task as DescribeTasks returns it now.
    let described = browser.described_task().await;
    assert_eq!(described["lastStatus"], "RUNNING");
    assert!(described["taskArn"].as_str().unwrap().contains(&task));
    assert!(described["version"].as_u64().unwrap() >= 3);
    browser.screenshot("task-panel-stop").await;
    browser.click("#stop-task").await;
    assert_eq!(browser.count("#task-explanation").await, 0);
    let doc = browser.document().await;
    // The chip shows the ID's first 8 characters; the call names the whole ID.
    let named = doc["stopTasks"][0]["task"].as_str().unwrap().to_string();
    assert!(named.len() == 32 && named.starts_with(&task), "{named}");
    assert_eq!(doc["stopTasks"][0]["cluster"], "default");
    browser.play_until(60, "00:04:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2", "replaced");
    assert_eq!(
        browser
            .count(&format!("#instances .chip[data-task='{task}']"))
            .await,
        0
    );
    let log = browser.text("#event-log").await;
    assert!(
        log.contains(&format!(
            "StopTask: task {named} stopping (UserInitiated: Task stopped by user)"
        )),
        "{log}"
    );
    // The list of stopped tasks (10.2, 10.3) shows it, newest first, with its stop code and
    // reason; its chip opens DescribeTasks, STOPPED, with no Stop button.
    assert!(browser
        .text("#stopped-tasks summary")
        .await
        .starts_with("Stopped tasks (1)"));
    browser.click("#stopped-tasks summary").await;
    let row = browser
        .text("#stopped-tasks tr.stopped-task[data-code=UserInitiated]")
        .await;
    assert!(
        row.contains(&task) && row.contains("Task stopped by user"),
        "{row}"
    );
    browser.screenshot("stopped-tasks").await;
    browser
        .click(&format!("#stopped-tasks .chip[data-task='{task}']"))
        .await;
    browser.wait_for("#task-explanation", 5).await;
    let described = browser.described_task().await;
    assert_eq!(described["lastStatus"], "STOPPED");
    assert_eq!(described["stoppedReason"], "Task stopped by user");
    assert_eq!(browser.count("#stop-task").await, 0);
    browser.click("#task-explanation .close").await;
    // Each event-log entry about a task carries its ID as a chip that opens the same panel.
    let logged = format!("#event-log li.event[data-kind=RunTask] .chip[data-task='{task}']");
    browser.scroll_to(&logged).await;
    browser.click(&logged).await;
    browser.wait_for("#task-explanation", 5).await;
    assert_eq!(browser.described_task().await["stopCode"], "UserInitiated");
}

/// DeleteService from the services table (4.2): the row's Delete button adds a forced
/// DeleteService at the current time; the tasks stop and the service shows INACTIVE.
#[tokio::test(flavor = "multi_thread")]
async fn delete_service_from_the_services_table() {
    let browser = Browser::start().await;
    open_without_member_of(&browser).await;
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2");
    browser
        .click("tr.service[data-service=web] button.delete-service")
        .await;
    let doc = browser.document().await;
    assert_eq!(
        doc["deleteServices"][0],
        serde_json::json!({"at": 120.0, "cluster": "default", "service": "web", "force": true})
    );
    browser.play_until(60, "00:03:00.000", 30).await;
    browser
        .wait_for("tr.service[data-service=web][data-status=INACTIVE]", 5)
        .await;
    assert_eq!(browser.running("web").await, "0");
    assert_eq!(browser.count("#instances .chip[data-task]").await, 0);
    assert_eq!(
        browser
            .count("tr.service[data-service=web] button.delete-service")
            .await,
        0,
        "nothing left to delete"
    );
    browser.scroll_to("tr.service[data-service=web]").await;
    browser.screenshot("service-deleted").await;
}

/// The `attributes` scenario with its service's memberOf constraint taken off: two tasks run.
async fn open_without_member_of(browser: &Browser) {
    browser.open_scenario("attributes").await;
    let mut doc = e2e::read_json("e2e/scenarios/attributes.json");
    doc["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("placementConstraints");
    browser.apply_document(&doc).await;
}

/// healthStatus on the chips (1.11): a task whose container health check fails is marked
/// UNHEALTHY (outline and ✗) while the grace period keeps it running; the others are HEALTHY.
/// After the grace period it is replaced, the replacement first (4.3).
#[tokio::test(flavor = "multi_thread")]
async fn an_unhealthy_task_is_marked_on_its_chip() {
    let browser = Browser::start().await;
    browser.open_scenario("unhealthy").await;
    browser.play_until(60, "00:01:30.000", 30).await;
    assert_eq!(
        browser.count("#instances .chip[data-health=HEALTHY]").await,
        2
    );
    // The fault at 2 minutes; 3 failed checks 10 s apart make it UNHEALTHY at 2:30.
    browser.play_until(60, "00:03:00.000", 30).await;
    assert_eq!(
        browser
            .count("#instances .chip.unhealthy[data-health=UNHEALTHY]")
            .await,
        1
    );
    let title = browser.attr("#instances .chip.unhealthy", "title").await;
    assert!(title.contains("RUNNING, UNHEALTHY"), "{title}");
    browser.scroll_to("#instances").await;
    browser.screenshot("chip-unhealthy").await;
    // The grace period ends (300 s after the task started, at 5:11): maximumPercent 200
    // leaves room, so ECS starts the replacement first (4.3) and the unhealthy task, outlined
    // dashed, runs on until the replacement is healthy (about 5:25).
    browser.play_until(60, "00:05:05.000", 30).await;
    browser.play_until(1, "00:05:14.000", 30).await;
    assert_eq!(browser.count("#instances .chip.replacing").await, 1);
    assert_eq!(browser.count("#instances .chip[data-task]").await, 3);
    let title = browser.attr("#instances .chip.replacing", "title").await;
    assert!(
        title.contains("stops once its replacement is healthy"),
        "{title}"
    );
    browser.screenshot("chip-replacing").await;
    browser.play_until(60, "00:06:00.000", 30).await;
    assert_eq!(browser.count("#instances .chip.unhealthy").await, 0);
    assert_eq!(browser.running("web").await, "2");
}

/// DeregisterContainerInstance from the Faults form (2.6): without force an instance with a
/// task is refused (the event log says why); with force it leaves the cluster, its task is
/// orphaned and the service starts a copy on the other instance; its card says deregistered.
#[tokio::test(flavor = "multi_thread")]
async fn deregister_an_instance_from_the_form() {
    let browser = Browser::start().await;
    browser.open_scenario("deregister").await;
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2");

    browser.click("#faults-panel summary").await;
    browser.select("#fault-instance", "i-one").await;
    browser.click("#deregister-instance").await;
    browser
        .wait_for_text("#fault-done", "DeregisterContainerInstance i-one.", 5)
        .await;
    browser.play_until(60, "00:02:30.000", 30).await;
    let log = browser.text("#event-log").await;
    assert!(
        log.contains("DeregisterContainerInstance failed: deregisterContainerInstances[0].containerInstance: InvalidParameterException"),
        "{log}"
    );
    assert_eq!(
        browser
            .count("article.instance[data-instance=i-one] .chip")
            .await,
        1
    );

    browser.click("#deregister-force").await;
    browser.scroll_to("#faults-panel").await;
    browser.screenshot("faults-form-deregister").await;
    browser.click("#deregister-instance").await;
    browser
        .wait_for_text(
            "#fault-done",
            "DeregisterContainerInstance i-one (force).",
            5,
        )
        .await;
    let doc = browser.document().await;
    assert_eq!(doc["deregisterContainerInstances"][1]["force"], true);
    browser.play_until(60, "00:04:00.000", 30).await;
    assert_eq!(browser.running("web").await, "2");
    assert_eq!(
        browser
            .count("article.instance[data-instance=i-two] .chip")
            .await,
        2,
        "the orphaned task's copy runs on i-two"
    );
    let lane = browser
        .text("section.lane[data-az=us-east-1a] .lane-title")
        .await;
    assert!(lane.contains("1 deregistered"), "{lane}");
    browser
        .click("section.lane[data-az=us-east-1a] .gone-list summary")
        .await;
    let badge = browser
        .text("section.lane[data-az=us-east-1a] .gone-list .badge.status")
        .await;
    assert!(badge.contains("deregistered"), "{badge}");
    browser.scroll_to("#instances").await;
    browser.screenshot("instance-deregistered").await;
    browser.close().await;
}
