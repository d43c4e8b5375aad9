//! The explanation of a placement in the UI: pick the distinctInstance preset, where the fourth
//! task cannot be placed, and open the service's explanation (issue 3's explanations, shown);
//! then click a placed task's chip (issue 6, "Click a task ... to see the engine's
//! explanation"): the run is replayed to its placement and every instance's verdict shown.

use e2e::Browser;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_why_no_instance_fits() {
    let browser = Browser::start().await;
    browser.client.goto(&browser.base_url).await.expect("open");
    browser.wait_for("#preset", 10).await;
    browser
        .client
        .find(Locator::Css("#preset"))
        .await
        .unwrap()
        .select_by_value("distinct-instance")
        .await
        .unwrap();
    browser.wait_for("tr.service[data-service=cache]", 10).await;
    // At time zero the three instances have registered and three tasks are placed.
    let pending = browser
        .text("tr.service[data-service=cache] td.pending")
        .await;
    assert_eq!(pending, "3", "three tasks PROVISIONING at time zero");
    browser
        .client
        .find(Locator::Css(
            "tr.service[data-service=cache] button.explain",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let outcome = browser.text("#explanation .outcome").await;
    assert_eq!(
        outcome,
        "No container instance met all of its requirements."
    );
    let rows = browser
        .client
        .find_all(Locator::Css("#explanation tbody tr.rejected"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "each of the three instances is rejected");
    for row in rows {
        let text = row.text().await.unwrap();
        assert!(
            text.contains("distinctInstance: a task of group service:cache already runs here"),
            "{text}"
        );
    }
    // Under it, the service as DescribeServices returns it: the counts of the table, its
    // PRIMARY deployment and the service event that says why the fourth task waits.
    browser.click("#service-describe summary").await;
    let text = browser
        .js("return document.querySelector('#service-describe pre').textContent")
        .await;
    let described: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(described["serviceName"], "cache");
    assert_eq!(described["desiredCount"], 4);
    assert_eq!(
        described["runningCount"].as_u64().unwrap() + described["pendingCount"].as_u64().unwrap(),
        3
    );
    assert_eq!(described["deployments"][0]["status"], "PRIMARY");
    assert!(described["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"]
            .as_str()
            .unwrap()
            .contains("was unable to place a task")));
    let chips = browser
        .client
        .find_all(Locator::Css("#instances .chip"))
        .await
        .unwrap()
        .len();
    assert_eq!(chips, 3, "each task shows as a chip on its instance");
    browser.screenshot("explain-distinct-instance").await;

    // A placed task: click its chip. The chosen row is the instance the chip is on, and the
    // two others are judged as they stood when it was placed (3.7, G11).
    let chip = "#instances article.instance .chip[data-task]";
    let card_instance: String = browser.js(&format!("return document.querySelector('{chip}').closest('article').querySelector('.muted.small').textContent")).await
        .as_str()
        .unwrap()
        .to_string();
    browser.click(chip).await;
    let title = browser.text("#task-explanation h3").await;
    assert!(
        title.ends_with(&format!("is on {card_instance}")),
        "{title}"
    );
    let outcome = browser.text("#task-explanation .outcome").await;
    assert!(
        outcome.starts_with("Placed at 00:00:00.000 as a task of service:cache: strategies spread(attribute:ecs.availability-zone) then spread(instanceId); constraints distinctInstance."),
        "{outcome}"
    );
    let chosen = browser.text("#task-explanation tr.chosen td").await;
    assert_eq!(chosen, card_instance);
    assert_eq!(
        browser
            .count("#task-explanation table.candidates tbody tr")
            .await,
        3
    );
    // Announced when it appears, as a dialog beside the page.
    assert_eq!(
        browser
            .count("#task-explanation[role=dialog][aria-live=polite]")
            .await,
        1
    );
    browser.screenshot("explain-placed-task").await;
    // Escape closes it; Enter on a focused chip opens it again (keyboard).
    browser.js("document.activeElement.blur()").await;
    browser
        .js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
        .await;
    assert_eq!(browser.count("#task-explanation").await, 0);
    browser
        .client
        .find(Locator::Css(chip))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    browser.wait_for("#task-explanation tr.chosen", 5).await;
    // Announced as something to press.
    assert_eq!(
        browser
            .count("#instances .chip[data-task][role=button][tabindex='0']")
            .await,
        3
    );
    browser.close().await;
}

/// A DAEMON service's share is held back (4.1): i-one has 256 units free and owes the daemon
/// 512 (and 256 MiB) it cannot place yet; the card hatches what is held, and the explanation of the next web
/// task says why the free units are not its to take.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_daemon_holds_back_is_shown_and_explained() {
    let browser = Browser::start().await;
    browser.open_scenario("daemon-hold").await;
    browser.play_until(60, "00:03:00.000", 30).await;
    let card = "article.instance[data-instance=i-one]";
    assert_eq!(
        browser.count(&format!("{card} .fill.held")).await,
        2,
        "CPU and memory"
    );
    let title = browser.attr(&format!("{card} .bar"), "title").await;
    assert!(
        title.contains("512 units held back for daemon tasks not yet placed"),
        "{title}"
    );
    browser
        .click("tr.service[data-service=web] button.explain")
        .await;
    let why = browser.text("#explanation tbody").await;
    assert!(
        why.contains("(512 more held back for daemon tasks not yet placed)"),
        "{why}"
    );
    browser.scroll_to("#instances").await;
    browser.screenshot("daemon-hold").await;
    browser.close().await;
}
