//! Load balancing pasted from the AWS CLI (issue 6, "Editors"; `engine/src/edit/load_balancing.rs`):
//! `aws elbv2 describe-target-groups` output adds its target group, which a new service then
//! registers its tasks in; `aws elb describe-load-balancers` output adds a Classic Load
//! Balancer; what the scenario cannot load is refused naming the field.

use e2e::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn pasted_target_groups_and_classic_load_balancers_join_the_scenario() {
    let browser = Browser::start().await;
    browser.open_preset("example").await;
    browser.click("#build-panel summary").await;
    let groups = serde_json::json!({"TargetGroups": [{
        "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067",
        "TargetGroupName": "api", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-3ac0fb5f",
        "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port", "HealthCheckIntervalSeconds": 10,
        "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2,
        "HealthCheckPath": "/", "Matcher": {"HttpCode": "200"}, "LoadBalancerArns": [], "TargetType": "instance"}]});
    browser.set_value("lb-json", &groups.to_string()).await;
    browser.scroll_to(".lb-paste").await;
    browser.click("#add-lb-json").await;
    assert_eq!(browser.text("#build-done").await, "Added target group api.");

    // A service behind it: its two tasks become targets on their dynamic host ports.
    browser.set_value("svc-name", "api").await;
    browser.select("#svc-td", "web").await;
    browser.set_value("svc-cluster", "demo").await;
    browser.set_value("svc-desired", "2").await;
    browser.select("#svc-tg", "api").await;
    browser.select("#svc-container", "nginx:80").await;
    browser.click("#create-service").await;
    assert_eq!(browser.text("#build-done").await, "Created service api.");
    browser.play_until(60, "00:02:00.000", 30).await;
    assert_eq!(
        browser
            .count("table[data-target-group=api] tr.target .state.healthy")
            .await,
        2
    );

    // A Classic Load Balancer from aws elb describe-load-balancers.
    let clb = serde_json::json!({"LoadBalancerDescriptions": [{"LoadBalancerName": "legacy",
        "DNSName": "legacy-1234567890.us-east-1.elb.amazonaws.com", "AvailabilityZones": ["us-east-1a", "us-east-1b"],
        "ListenerDescriptions": [{"Listener": {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}, "PolicyNames": []}],
        "HealthCheck": {"Target": "HTTP:8080/health", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10}}]});
    browser.set_value("lb-json", &clb.to_string()).await;
    browser.click("#add-lb-json").await;
    assert_eq!(
        browser.text("#build-done").await,
        "Added Classic Load Balancer legacy."
    );
    let doc = browser.document().await;
    assert_eq!(
        doc["classicLoadBalancers"][0]["LoadBalancerDescriptions"]
            .as_array()
            .map(Vec::len),
        None,
        "each description is its own entry"
    );
    assert_eq!(doc["classicLoadBalancers"][0]["LoadBalancerName"], "legacy");

    // Refused, naming the field: a health check timeout not below its interval.
    let bad = serde_json::json!({"LoadBalancerName": "broken", "AvailabilityZones": ["us-east-1a"],
        "Listeners": [{"Protocol": "TCP", "LoadBalancerPort": 443, "InstancePort": 443}],
        "HealthCheck": {"Target": "TCP:443", "Interval": 10, "Timeout": 10}});
    browser.set_value("lb-json", &bad.to_string()).await;
    browser.click("#add-lb-json").await;
    assert!(browser.text("#build-errors").await.contains(
        "classicLoadBalancers[1].HealthCheck.Timeout: 10 must be less than the Interval value (10)"
    ));
    browser.screenshot("load-balancer-paste").await;
    browser.close().await;
}
