import { describe, expect, it } from "vitest"
import { checkUrl, classify, policyFromEnv, TargetRefused } from "../src/AddressPolicy.ts"

const refuse = { allowPrivate: false }
const allow = { allowPrivate: true }

/** URL, the address it really names, and the range that address is in. */
const nonPublic: ReadonlyArray<readonly [string, string, string]> = [
  ["http://127.0.0.1/", "127.0.0.1", "loopback"],
  ["http://2130706433/", "127.0.0.1", "loopback"], // decimal
  ["http://0x7f000001/", "127.0.0.1", "loopback"], // one hex number
  ["http://0x7f.1/", "127.0.0.1", "loopback"], // hex + short form
  ["http://0177.0.0.1/", "127.0.0.1", "loopback"], // octal
  ["http://0177.0x0.0.01/", "127.0.0.1", "loopback"], // mixed
  ["http://127.1/", "127.0.0.1", "loopback"],
  ["http://127.255.255.254:8080/x", "127.255.255.254", "loopback"],
  ["http://10.1/", "10.0.0.1", "private"],
  ["http://0xa.0.0.1/", "10.0.0.1", "private"],
  ["http://172.16.0.1/", "172.16.0.1", "private"],
  ["http://172.31.255.255/", "172.31.255.255", "private"],
  ["http://192.168.257/", "192.168.1.1", "private"],
  ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "linkLocal"],
  ["http://100.64.0.1/", "100.64.0.1", "carrierGradeNat"],
  ["http://0.0.0.0/", "0.0.0.0", "unspecified"],
  ["http://0/", "0.0.0.0", "unspecified"],
  ["http://0.1.2.3/", "0.1.2.3", "unspecified"],
  ["http://224.0.0.1/", "224.0.0.1", "multicast"],
  ["http://255.255.255.255/", "255.255.255.255", "broadcast"],
  ["http://[::1]/", "::1", "loopback"],
  ["http://[0:0:0:0:0:0:0:1]/", "::1", "loopback"],
  ["http://[::]/", "::", "unspecified"],
  ["http://[::ffff:127.0.0.1]/", "127.0.0.1", "loopback"], // IPv4-mapped
  ["http://[::ffff:7f00:1]/", "127.0.0.1", "loopback"],
  ["http://[::ffff:10.0.0.1]/", "10.0.0.1", "private"],
  ["http://[::ffff:a9fe:a9fe]/", "169.254.169.254", "linkLocal"],
  ["http://[::127.0.0.1]/", "::7f00:1", "ipv4Compatible"],
  ["http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1", "rfc6052"], // NAT64 of 127.0.0.1
  ["http://[fe80::1]/", "fe80::1", "linkLocal"],
  ["http://[febf:ffff::1]/", "febf:ffff::1", "linkLocal"],
  ["http://[fc00::1]/", "fc00::1", "uniqueLocal"],
  ["http://[fd12:3456:789a::1]/", "fd12:3456:789a::1", "uniqueLocal"],
  ["http://[ff02::1]/", "ff02::1", "multicast"]
]

describe("checkUrl", () => {
  it.each(nonPublic)("refuses %s (%s, %s) unless private targets are allowed", (url, address, range) => {
    const refused = checkUrl(url, refuse)
    expect(refused).toBeInstanceOf(TargetRefused)
    expect(refused).toMatchObject({ reason: "PrivateAddress", address, range })
    const allowed = checkUrl(url, allow)
    expect(allowed).not.toBeInstanceOf(TargetRefused)
  })

  it.each(["http://localhost/", "http://LOCALHOST:3000/", "http://localhost./", "http://hooks.localhost/"])(
    "refuses the loopback name %s without asking DNS",
    (url) => {
      expect(checkUrl(url, refuse)).toMatchObject({ reason: "PrivateAddress", range: "loopback" })
      expect(checkUrl(url, allow)).not.toBeInstanceOf(TargetRefused)
    }
  )

  it.each([
    ["http://8.8.8.8/hook", "8.8.8.8"],
    ["https://1.1.1.1:8443/", "1.1.1.1"],
    ["http://134744072/", "8.8.8.8"],
    ["https://[2606:4700:4700::1111]/", "2606:4700:4700::1111"],
    ["http://[::ffff:8.8.8.8]/", "::ffff:808:808"]
  ])("lets the public address %s through", (url, host) => {
    const t = checkUrl(url, refuse)
    expect(t).not.toBeInstanceOf(TargetRefused)
    expect(!(t instanceof TargetRefused) && t.address).toBe(host)
  })

  it("leaves a public-looking name to be checked once resolved", () => {
    const t = checkUrl("https://Hooks.Example.com/receive?x=1", refuse)
    expect(t).not.toBeInstanceOf(TargetRefused)
    expect(!(t instanceof TargetRefused) && [t.host, t.address]).toEqual(["hooks.example.com", undefined])
  })

  it.each([
    ["ftp://example.com/", "UnsupportedScheme"],
    ["file:///etc/passwd", "UnsupportedScheme"],
    ["javascript:alert(1)", "UnsupportedScheme"],
    ["gopher://127.0.0.1:6379/_INFO", "UnsupportedScheme"],
    ["http://user:pw@example.com/", "Userinfo"],
    ["http://user@example.com/", "Userinfo"],
    ["not a url", "InvalidUrl"],
    ["/relative/path", "InvalidUrl"],
    ["http://[::1/", "InvalidUrl"],
    ["http://256.256.256.256/", "InvalidUrl"]
  ])("refuses %s as %s, whatever the policy", (url, reason) => {
    for (const policy of [refuse, allow]) expect(checkUrl(url, policy)).toMatchObject({ reason })
  })
})

describe("classify", () => {
  it("reads an IPv4-mapped address as its IPv4 address", () => {
    expect(classify("::ffff:192.168.0.1")).toEqual({ address: "192.168.0.1", family: 4, range: "private", isPublic: false })
    expect(classify("[2001:4860:4860::8888]")).toMatchObject({ family: 6, isPublic: true })
    expect(classify("example.com")).toBeUndefined()
  })
})

describe("policyFromEnv", () => {
  it("allows private targets in test mode only, unless the operator says otherwise", () => {
    expect(policyFromEnv({}, true)).toEqual({ allowPrivate: true })
    expect(policyFromEnv({}, false)).toEqual({ allowPrivate: false })
    expect(policyFromEnv({ METERBRIDGE_WEBHOOK_ALLOW_PRIVATE: "1" }, false)).toEqual({ allowPrivate: true })
    expect(policyFromEnv({ METERBRIDGE_WEBHOOK_ALLOW_PRIVATE: "0" }, true)).toEqual({ allowPrivate: false })
  })
})
