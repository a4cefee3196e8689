"""The RPC signature against Alibaba's documented SendSms example, worked by hand step by step."""

from __future__ import annotations

import base64
import hashlib
import hmac

from services.notify.channels.aliyun_signature import (
    canonicalized_query,
    percent_encode,
    sign,
    string_to_sign,
)

# Alibaba's published dysmsapi signing example (AccessKeySecret "testSecret", GET).
EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}

# Step 2 written out by hand: keys sorted, UTF-8 percent-encoded (阿 = E9 98 BF, ':' = %3A ...).
HAND_CANONICAL = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001"
    "&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466"
    "&SignatureVersion=1.0&TemplateCode=SMS_71390007"
    "&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)


def test_percent_encoding_follows_rfc3986_with_tilde_unescaped() -> None:
    assert percent_encode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff"
    assert percent_encode("-_.~") == "-_.~"


def test_canonicalized_query_matches_hand_written_one() -> None:
    assert canonicalized_query(EXAMPLE) == HAND_CANONICAL


def test_string_to_sign_encodes_the_canonical_query_once_more() -> None:
    hand = "GET&%2F&" + HAND_CANONICAL.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    assert string_to_sign("GET", EXAMPLE) == hand


def test_signature_matches_hand_computation_and_the_published_value() -> None:
    hand_string = "GET&%2F&" + HAND_CANONICAL.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    hand_signature = base64.b64encode(
        hmac.new(b"testSecret&", hand_string.encode(), hashlib.sha1).digest()
    ).decode()
    assert sign("GET", EXAMPLE, "testSecret") == hand_signature
    assert hand_signature == "zJDF+Lrzhj/ThnlvIToysFRq6t4="  # the value in Alibaba's documentation
