//! Weighted target groups in the browser: the preset's listener split in the load balancer
//! view, shifted with ModifyListener from the view at the current time, and the targets'
//! shares following it.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn shift_a_listener_split_from_the_load_balancer_view() {
    let browser = Browser::start().await;
    browser.open_preset("weighted-target-groups").await;
    let split = browser.text("#listener-splits li.split").await;
    assert!(
        split.starts_with("Listener HTTP:80 of web-alb forwards 90 % to blue and 10 % to green."),
        "{split}"
    );
    browser.play_until(600, "00:05:00.000", 30).await;
    // A percentage above 100 is refused, naming the field.
    browser.set_value("split-0", "150").await;
    browser.click("#shift-0").await;
    let error = browser.wait_for_text("[role=alert]", "Weight", 5).await;
    assert!(error.contains("150 % is more than 100 %"), "{error}");
    browser.set_value("split-0", "30").await;
    browser.click("#shift-0").await;
    browser
        .wait_for_text(
            "#listener-splits li.split",
            "forwards 30 % to blue and 70 % to green",
            10,
        )
        .await;
    let doc = browser.document().await;
    let calls = doc["modifyListeners"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[2]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["Weight"],
        30
    );
    // The targets' shares follow: blue's two targets take 30 % between them.
    browser.play_until(600, "00:08:00.000", 30).await;
    let caption = browser.text("table[data-target-group=blue] caption").await;
    assert!(caption.contains("30 %"), "{caption}");
    let event_log = browser.text("#event-log").await;
    assert!(
        event_log
            .contains("ModifyListener HTTP:80 of web-alb: forwards 30 % to blue and 70 % to green"),
        "{event_log}"
    );
    browser.scroll_to("table[data-target-group=blue]").await;
    browser.screenshot("weighted-target-groups").await;
    // `aws elbv2 modify-listener` input pasted in the build panel is made at the current time.
    browser.click("#build-panel summary").await;
    let modify = serde_json::json!({"ListenerArn": "web-alb:80", "DefaultActions": [{"Type": "forward",
        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "blue", "Weight": 0}, {"TargetGroupArn": "green", "Weight": 1}]}}]});
    browser.set_value("lb-json", &modify.to_string()).await;
    browser.scroll_to(".lb-paste").await;
    browser.click("#add-lb-json").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Added ModifyListener of web-alb:80."
    );
    browser
        .wait_for_text(
            "#listener-splits li.split",
            "forwards 0 % to blue and 100 % to green",
            10,
        )
        .await;
    browser.close().await;
}
