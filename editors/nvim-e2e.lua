-- End-to-end check of `aks-netlint server` with Neovim's built-in LSP client (0.7 API:
-- start_client + buf_attach_client; see editors/nvim.md for 0.8+ and 0.11+).
-- Run by scripts/nvim-e2e.sh: nvim --headless --clean -l is 0.9+, so it uses -c "luafile".
-- Env: AKS_NETLINT_BIN (the binary), WORKSPACE (a copy of examples/aks-overlay).
local bin = os.getenv("AKS_NETLINT_BIN")
local root = os.getenv("WORKSPACE")
local failures = {}
local function check(ok, what)
  if ok then
    io.stdout:write("ok: " .. what .. "\n")
  else
    io.stdout:write("FAILED: " .. what .. "\n")
    table.insert(failures, what)
  end
end

local client = vim.lsp.start_client({
  name = "aks-netlint",
  cmd = { bin, "server" },
  root_dir = root,
})
check(client ~= nil, "the client started the server")

local function open(name)
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. name))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client)
  return buf
end

local function code(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    out[code(d)] = d
  end
  return out
end

-- Diagnostics arrive for the module.
local main = open("main.tf")
local got = vim.wait(20000, function() return codes(main)["NET002"] ~= nil end, 50)
check(got, "NET002 published on main.tf")
local net002 = codes(main)["NET002"]
check(net002 and net002.lnum == 19 and net002.col == 12, "NET002 on line 20, column 13")
check(net002 and net002.severity == vim.diagnostic.severity.ERROR, "NET002 is an error")

-- The tfvars buffer: OVL002 on the pod CIDR, and the chain on hover.
local tfvars = open("terraform.tfvars")
got = vim.wait(20000, function() return codes(tfvars)["OVL002"] ~= nil end, 50)
check(got, "OVL002 published on terraform.tfvars")
local params = {
  textDocument = { uri = vim.uri_from_bufnr(tfvars) },
  position = { line = 0, character = 14 },
}
local replies = vim.lsp.buf_request_sync(tfvars, "textDocument/hover", params, 10000) or {}
local hover = ""
for _, r in pairs(replies) do
  if r.result and r.result.contents then
    hover = r.result.contents.value or ""
  end
end
check(hover:find("var.pod_cidr", 1, true) ~= nil, "hover shows the value chain")

-- Edited without saving: OVL002 goes away.
vim.api.nvim_buf_set_lines(tfvars, 0, 1, false, { 'pod_cidr = "10.244.0.0/16"' })
got = vim.wait(20000, function() return codes(tfvars)["OVL002"] == nil end, 50)
check(got, "OVL002 gone after an unsaved edit")

vim.lsp.stop_client(client)
if #failures > 0 then
  vim.cmd("cquit 1")
else
  vim.cmd("qall!")
end
