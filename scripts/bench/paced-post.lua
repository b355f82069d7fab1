-- wrk script: POST the JSON body in the file named by WRK_BODY_FILE, each connection pausing
-- WRK_DELAY_MS milliseconds between requests (to hold a rate below the maximum).
local file = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = file:read("*a")
file:close()
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")

function delay()
  return pause
end
