//! The explanation of a placement in the UI: pick the distinctInstance preset, where the fourth
//! task cannot be placed, and open the service's explanation (issue 3's explanations, shown).

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
    let chips = browser
        .client
        .find_all(Locator::Css("#instances .chip"))
        .await
        .unwrap()
        .len();
    assert_eq!(chips, 3, "each task shows as a chip on its instance");
    browser.screenshot("explain-distinct-instance").await;
    browser.close().await;
}
