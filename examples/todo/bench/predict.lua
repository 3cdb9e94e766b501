wrk.method = "POST"
wrk.body = '{"text":"the staff were friendly and the food was lovely"}'
wrk.headers["Content-Type"] = "application/json"
