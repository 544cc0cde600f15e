"""tests/lab/ipvs_metrics.py: the exporter's IPVS metrics against ipvsadm -Ln, and the VRRP
state metric, parsed from output recorded in the lab (fixtures/metrics/README.md)."""

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPER = HERE.parents[1] / "lab" / "ipvs_metrics.py"
spec = importlib.util.spec_from_file_location("ipvs_metrics", HELPER)
ipvs_metrics = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ipvs_metrics)

FIXTURES = HERE / "fixtures" / "metrics"
IPVSADM = (FIXTURES / "router1-ipvsadm-Ln.txt").read_text()
METRICS = (FIXTURES / "router1-metrics.txt").read_text()


def test_ipvsadm_s_table_per_real_server():
    table = ipvs_metrics.parse_ipvsadm(IPVSADM)
    assert len(table) == 8
    assert table[("TCP", "192.0.2.10", "80", "", "198.51.100.21", "80")] == \
        {"weight": 3, "active": 0, "inactive": 21}
    assert table[("FWM", "", "0", "80", "198.51.100.23", "0")] == {"weight": 1, "active": 10, "inactive": 0}


def test_the_exporter_s_numbers_are_ipvsadm_s_with_the_mark_read_from_hex():
    exported = ipvs_metrics.parse_exporter(METRICS)
    assert ("FWM", "", "0", "80", "198.51.100.23", "0") in exported     # local_mark="00000050"
    report = ipvs_metrics.compare(IPVSADM, METRICS, IPVSADM)
    assert report["stable"] and report["mismatches"] == []
    assert len(report["destinations"]) == 8
    assert sum(row["exporter"]["active"] for row in report["destinations"]) == 36


def test_a_difference_or_a_missing_real_server_is_a_mismatch():
    changed = METRICS.replace(
        'node_ipvs_backend_weight{local_address="192.0.2.10",local_mark="",local_port="80",proto="TCP",'
        'remote_address="198.51.100.21",remote_port="80"} 3', 'node_ipvs_backend_weight{local_address='
        '"192.0.2.10",local_mark="",local_port="80",proto="TCP",remote_address="198.51.100.21",remote_port="80"} 0')
    assert changed != METRICS
    report = ipvs_metrics.compare(IPVSADM, changed, IPVSADM)
    assert [row["real_server"] for row in report["mismatches"]] == ["198.51.100.21:80"]
    without_rs3 = "\n".join(line for line in METRICS.splitlines() if '"198.51.100.23",remote_port="0"' not in line)
    report = ipvs_metrics.compare(IPVSADM, without_rs3, IPVSADM)
    assert [(row["real_server"], row["exporter"]) for row in report["mismatches"]] == [("198.51.100.23:0", None)]
    later = IPVSADM.replace("Masq    3      0          21", "Masq    3      0          20")
    assert later != IPVSADM and not ipvs_metrics.compare(IPVSADM, METRICS, later)["stable"]


def test_the_vrrp_state_of_master_and_backup():
    assert ipvs_metrics.vrrp_states(METRICS) == {
        "states": {"lvs_private": 2, "lvs_public": 2}, "textfile_error": 0}
    assert ipvs_metrics.vrrp_states((FIXTURES / "router2-metrics.txt").read_text()) == {
        "states": {"lvs_private": 1, "lvs_public": 1}, "textfile_error": 0}
    assert ipvs_metrics.vrrp_states("") == {"states": {}, "textfile_error": None}
