from django import template

from gradphoto.common import idnumber

register = template.Library()


@register.filter
def masked_id(value: str) -> str:
    return idnumber.mask(value or "")


@register.filter
def masked_name(value: str) -> str:
    return idnumber.mask_name(value or "")
