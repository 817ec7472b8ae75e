"""The four categories of synergy products and their subcategories (paper §3.2.1), as data.

Codes are stable English identifiers; the labels are the paper's own words. A catalog entry
names a category and a subcategory; the full code is `category/subcategory`
(`product/heat`, `engineering/design`, `resource/intangible/patent`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subcategory:
    code: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Category:
    code: str
    label_zh: str
    label_en: str
    subcategories: tuple[Subcategory, ...]

    def subcategory(self, code: str) -> Subcategory | None:
        return next((s for s in self.subcategories if s.code == code), None)


def _s(code: str, zh: str, en: str) -> Subcategory:
    return Subcategory(code, zh, en)


TAXONOMY: tuple[Category, ...] = (
    Category(
        "product",
        "产品类",
        "Products",
        (
            _s("heat", "热力", "Heat (steam, hot water)"),
            _s("power", "电力", "Electric power"),
            _s("coal_chemical", "煤化产品", "Coal-chemical products"),
            _s("real_estate", "地产", "Real estate"),
            _s("other", "其他实物产品", "Other physical products"),
        ),
    ),
    Category(
        "engineering",
        "工程类",
        "Engineering",
        (
            _s("construction", "建设工程施工", "Construction works"),
            _s("design", "工程设计", "Engineering design"),
            _s("consulting", "工程咨询", "Engineering consulting"),
            _s("tender_agency", "招投标代理", "Tender agency (engineering)"),
        ),
    ),
    Category(
        "service",
        "服务类",
        "Services",
        (
            _s("research", "科研成果", "Research results"),
            _s("maintenance", "检修服务", "Maintenance and overhaul"),
            _s("logistics_management", "后勤管理", "Logistics management (facilities)"),
            _s("financial", "金融产品", "Financial products"),
            _s("culture_tourism", "文化旅游", "Culture and tourism"),
            _s("education_training", "教育培训", "Education and training"),
            _s("delivery", "物流配送", "Delivery and distribution"),
            _s("consulting", "非工程类咨询", "Non-engineering consulting"),
            _s("tender_agency", "招投标代理", "Tender agency (non-engineering)"),
        ),
    ),
    Category(
        "resource",
        "资源类",
        "Resources",
        (
            _s("tangible/land", "土地", "Land"),
            _s("tangible/buildings", "房屋", "Buildings"),
            _s("tangible/equipment", "生产设备", "Production equipment"),
            _s("tangible/raw_materials", "原材料", "Raw materials"),
            _s("tangible/spare_parts", "备品备件", "Spare parts"),
            _s("tangible/pooled_funds", "归集资金", "Pooled funds"),
            _s("tangible/receivables", "应收账款", "Receivables"),
            _s("tangible/securities", "有价证券", "Securities"),
            _s("tangible/other_financial", "其他金融服务", "Other financial services"),
            _s("intangible/brand", "品牌", "Brand"),
            _s("intangible/goodwill", "商誉", "Goodwill"),
            _s("intangible/technology", "技术", "Technology"),
            _s("intangible/patent", "专利", "Patents"),
            _s("intangible/trademark", "商标", "Trademarks"),
            _s("intangible/culture", "企业文化", "Corporate culture"),
            _s("intangible/organisational_experience", "组织经验", "Organisational experience"),
            _s("human", "人力资源", "Human resources"),
        ),
    ),
)

CATEGORIES: dict[str, Category] = {c.code: c for c in TAXONOMY}


def allowed_subcategories(category: str) -> list[str]:
    found = CATEGORIES.get(category)
    return [s.code for s in found.subcategories] if found else []


def is_known(category: str, subcategory: str) -> bool:
    found = CATEGORIES.get(category)
    return found is not None and found.subcategory(subcategory) is not None
