def test_a_submitted_task_runs_to_success(api):
    task = api.submit(steps=3)
    done = api.wait(task["id"])
    assert done["state"] == "succeeded", done
    assert done["result"] == {"steps": 3, "payload": ""}
