from tests.conftest import org_params, package_params


def test_created_dataset_is_found(portal, sysadmin):
    portal.call("organization_create", org_params("edu"), user=sysadmin)
    portal.call("package_create", package_params("schools", "edu"), user=sysadmin)
    result = portal.call("package_search", {"q": "schools"})
    assert [d["name"] for d in result["results"]] == ["schools"]
